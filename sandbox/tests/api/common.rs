//! Test helpers: start a sandbox in-process on a free port, call it, inspect it.

use offboard_sandbox::demo::DemoKey;
use offboard_sandbox::{start, Config, Sandbox};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The EPM demo password.
pub const PASSWORD: &str = offboard_sandbox::demo::EPM_PASSWORD;
/// The EPM demo login.
pub const ADMIN: &str = offboard_sandbox::seed::EPM_ADMIN_LOGIN;

/// A fresh data directory holding a copy of one cached demo key (generated once).
pub fn data_dir() -> PathBuf {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    static N: AtomicUsize = AtomicUsize::new(0);
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sandbox-tests");
    let cache = CACHE.get_or_init(|| {
        let dir = root.join("key-cache");
        std::fs::create_dir_all(&dir).unwrap();
        let key = DemoKey::load_or_create(&dir).unwrap();
        key.write_key_file(&dir, "http://cache.invalid").unwrap();
        dir.join("demo-admin.key")
    });
    let dir = root.join(format!(
        "run-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(cache, dir.join("demo-admin.key")).unwrap();
    dir
}

/// A running sandbox and a client for it.
pub struct Sb {
    /// The server.
    pub sandbox: Sandbox,
    /// Plain HTTP client (no proxy).
    pub client: Client,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

/// Starts a sandbox with a small tenant, adjusted by `tweak`.
pub async fn sandbox_with(tweak: impl FnOnce(&mut Config)) -> Sb {
    let mut config = Config::defaults();
    config.port = 0;
    config.users = 300;
    config.data_dir = data_dir();
    config.dist = config.data_dir.join("no-dist");
    tweak(&mut config);
    let sandbox = start(config).await.expect("sandbox starts");
    let url = sandbox.url.clone();
    Sb {
        sandbox,
        client: Client::builder().no_proxy().build().unwrap(),
        url,
    }
}

/// Starts a sandbox with a small tenant and default settings.
pub async fn sandbox() -> Sb {
    sandbox_with(|_| {}).await
}

impl Sb {
    /// `GET /sandbox/{path}` as JSON.
    pub async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}/sandbox/{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `POST /sandbox/{path}` with a JSON body, as JSON.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}/sandbox/{path}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "POST /sandbox/{path} answered {}",
            r.status()
        );
        r.json().await.unwrap()
    }

    /// Changes faults.
    pub async fn faults(&self, body: Value) -> Value {
        self.post("faults", body).await
    }

    /// A fresh valid RSA JWT.
    pub async fn jwt(&self) -> String {
        self.token(json!({})).await
    }

    /// A JWT from `/sandbox/token` with the given overrides.
    pub async fn token(&self, body: Value) -> String {
        self.post("token", body).await["jwt"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The RSA users of the tenant now.
    pub async fn rsa_users(&self) -> Vec<Value> {
        self.get("tenant").await["rsa"].as_array().unwrap().clone()
    }

    /// The first RSA user matching `pred`.
    pub async fn rsa_user(&self, pred: impl Fn(&Value) -> bool) -> Value {
        self.rsa_users()
            .await
            .into_iter()
            .find(|u| pred(u))
            .expect("such a user is seeded")
    }

    /// EPM logins of the tenant now (the admin's included).
    pub async fn epm_logins(&self) -> Vec<String> {
        let t = self.get("tenant").await;
        t["epm"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["userlogin"].as_str().unwrap().to_string())
            .collect()
    }

    /// The audit log.
    pub async fn audit(&self) -> Vec<Value> {
        self.get("audit").await.as_array().unwrap().clone()
    }

    /// An RSA API request with a valid token.
    pub async fn rsa(&self, method: Method, path: &str) -> RequestBuilder {
        let jwt = self.jwt().await;
        self.rsa_with(method, path, &jwt)
    }

    /// An RSA API request with the given token.
    pub fn rsa_with(&self, method: Method, path: &str, jwt: &str) -> RequestBuilder {
        self.client
            .request(
                method,
                format!("{}/AdminInterface/restapi/v1{path}", self.url),
            )
            .header("Content-Type", "application/json")
            .bearer_auth(jwt)
    }

    /// An EPM API request (path below `/interop/rest`) with the demo Basic credentials.
    pub fn epm(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/interop/rest{path}", self.url))
            .basic_auth(ADMIN, Some(PASSWORD))
    }

    /// Uploads `content` as `name` in chunks of `chunk` bytes; returns each answer's JSON.
    pub async fn upload(&self, name: &str, content: &[u8], chunk: usize) -> Vec<Value> {
        let mut answers = Vec::new();
        let chunks: Vec<&[u8]> = if content.is_empty() {
            vec![content]
        } else {
            content.chunks(chunk).collect()
        };
        for (i, part) in chunks.iter().enumerate() {
            let q = json!({ "isFirst": i == 0, "isLast": i + 1 == chunks.len(), "chunkSize": part.len() });
            let r = self
                .epm(
                    Method::POST,
                    &format!("/11.1.2.3.600/applicationsnapshots/{name}/contents"),
                )
                .query(&[("q", q.to_string())])
                .header("Content-Type", "application/octet-stream")
                .body(part.to_vec())
                .send()
                .await
                .unwrap();
            answers.push(r.json().await.unwrap());
        }
        answers
    }

    /// Starts a v1 removal of `filename`; returns the answer.
    pub async fn remove_v1(&self, filename: &str) -> Value {
        let r = self
            .epm(Method::DELETE, "/security/v1/users")
            .query(&[("filename", filename)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Polls a Job Status href until its status is not -1; returns the final body and how
    /// many polls answered -1.
    pub async fn poll(&self, href: &str) -> (Value, usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut running = 0;
        loop {
            let r = self
                .client
                .get(href)
                .basic_auth(ADMIN, Some(PASSWORD))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let body: Value = r.json().await.unwrap();
            if body["status"] != -1 {
                return (body, running);
            }
            running += 1;
            assert!(Instant::now() < deadline, "job still running after 30 s");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// The `Job Status` href of a v1 removal answer.
pub fn job_href(answer: &Value) -> String {
    let links = answer["links"].as_array().unwrap();
    let link = links
        .iter()
        .find(|l| l["rel"] == "Job Status")
        .expect("Job Status link");
    link["href"].as_str().unwrap().to_string()
}

/// Status and JSON body of a response.
pub async fn status_json(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Whether a seeded RSA user would be removed by Delete User Now.
pub fn deletable(u: &Value) -> bool {
    u["userStatus"] == "Disabled" && u["markDeleted"] == false && !is_scim(u)
}

/// Whether a user comes from a SCIM source.
pub fn is_scim(u: &Value) -> bool {
    u["identitySource"] == "SCIM Managed" || u["identitySource"] == "Azure Active Directory (SCIM)"
}

/// Unix seconds now.
pub fn now_secs() -> u64 {
    offboard_sandbox::clock::now_secs()
}
