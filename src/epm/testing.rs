//! A fake EPM tenant for native tests of the drivers: it stores uploaded files (refusing to
//! overwrite), runs removal jobs that finish after a few polls, answers v2 removals and user
//! listings, checks the credential, and can be told to fail on cue.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use serde_json::{json, Value};

use crate::run::outcome::PlanEntry;
use crate::run::testing::VirtualClock;
use crate::run::{Clock, Http, Method, NetError, Request, Response, RunEvent, UserResult};

use super::url::decode_component;

/// The fake's own address; job links point here whatever base the client used.
pub(crate) const HOST: &str = "https://epm.example.com";
/// The credential the fake accepts at first: Basic admin@example.com / pw.
pub(crate) const GOOD_AUTH: &str = "Basic YWRtaW5AZXhhbXBsZS5jb206cHc=";

type Matcher = Box<dyn Fn(&Request) -> bool>;

struct Fault {
    when: Matcher,
    reply: Result<Response, NetError>,
    times: usize,
    /// The request is carried out first, and its answer then replaced (lost on the way back).
    after: bool,
}

struct Job {
    file: String,
    polls_left: u32,
    /// With [`FakeEpm::jobs_take`]: when the job ends (virtual ms).
    due_ms: Option<f64>,
    result: Option<Value>,
}

/// One upload call as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UploadCall {
    pub name: String,
    pub bytes: usize,
    pub is_first: bool,
    pub is_last: bool,
}

#[derive(Default)]
struct State {
    users: BTreeMap<String, (String, String, String)>,
    files: BTreeMap<String, Vec<u8>>,
    jobs: Vec<Job>,
    faults: Vec<Fault>,
    valid_auth: String,
    expire_after: Option<(usize, String)>,
    polls_to_finish: u32,
    never_finish: bool,
    ms_per_user: Option<f64>,
    /// Jobs started while an earlier one was still running.
    overlapping_jobs: usize,
    poison: Vec<String>,
    /// A poisoned job removes the logins before the first poisoned one, then fails.
    poison_midway: bool,
    log: Vec<Request>,
    removed: Vec<String>,
    uploads: Vec<UploadCall>,
}

/// The fake tenant. Every answer arrives 20 ms of virtual time after its request.
pub(crate) struct FakeEpm {
    clock: VirtualClock,
    state: RefCell<State>,
}

impl FakeEpm {
    /// A tenant with these users (logins as stored, any case); jobs finish on the third poll.
    pub(crate) fn new(clock: &VirtualClock, logins: &[&str]) -> Self {
        let users = logins
            .iter()
            .map(|l| {
                (
                    l.to_lowercase(),
                    (
                        l.to_string(),
                        format!("First {l}"),
                        format!("{l}@mail.example.com"),
                    ),
                )
            })
            .collect();
        let state = State {
            users,
            valid_auth: GOOD_AUTH.into(),
            polls_to_finish: 3,
            ..State::default()
        };
        FakeEpm {
            clock: clock.clone(),
            state: RefCell::new(state),
        }
    }

    /// The next `times` requests matching `when` get `reply` instead of normal service.
    pub(crate) fn fail(
        &self,
        times: usize,
        when: impl Fn(&Request) -> bool + 'static,
        reply: Result<Response, NetError>,
    ) {
        self.state.borrow_mut().faults.push(Fault {
            when: Box::new(when),
            reply,
            times,
            after: false,
        });
    }

    /// The next `times` requests matching `when` are carried out, but their answer is lost.
    pub(crate) fn lose_answers(&self, times: usize, when: impl Fn(&Request) -> bool + 'static) {
        let lost = Err(NetError::Unreachable("connection reset".into()));
        self.answer_after(times, when, lost);
    }

    /// The next `times` requests matching `when` are carried out, then answered `reply`.
    pub(crate) fn answer_after(
        &self,
        times: usize,
        when: impl Fn(&Request) -> bool + 'static,
        reply: Result<Response, NetError>,
    ) {
        self.state.borrow_mut().faults.push(Fault {
            when: Box::new(when),
            reply,
            times,
            after: true,
        });
    }

    /// Jobs never leave status -1.
    pub(crate) fn never_finish(&self) {
        self.state.borrow_mut().never_finish = true;
    }

    /// Jobs end after this many ms per login in their file, whatever the polls: they take effect
    /// then, even if nobody polls them.
    pub(crate) fn jobs_take(&self, ms_per_user: f64) {
        self.state.borrow_mut().ms_per_user = Some(ms_per_user);
    }

    /// Jobs started while an earlier job was still running.
    pub(crate) fn overlapping_jobs(&self) -> usize {
        self.state.borrow().overlapping_jobs
    }

    /// A job whose file names this login fails as a whole.
    pub(crate) fn poison(&self, login: &str) {
        self.state.borrow_mut().poison.push(login.to_lowercase());
    }

    /// Poisoned jobs fail only on reaching the poisoned login, having removed the ones before it.
    pub(crate) fn fail_midway(&self) {
        self.state.borrow_mut().poison_midway = true;
    }

    /// After `requests` requests, only `new_auth` is accepted.
    pub(crate) fn expire_credential_after(&self, requests: usize, new_auth: &str) {
        self.state.borrow_mut().expire_after = Some((requests, new_auth.into()));
    }

    /// Puts a file in place, as if someone else had uploaded it.
    pub(crate) fn put_file(&self, name: &str, bytes: &[u8]) {
        self.state
            .borrow_mut()
            .files
            .insert(name.into(), bytes.to_vec());
    }

    pub(crate) fn files(&self) -> Vec<String> {
        self.state.borrow().files.keys().cloned().collect()
    }

    pub(crate) fn log(&self) -> Vec<Request> {
        self.state.borrow().log.clone()
    }

    /// Logins removed, in order (the audit log).
    pub(crate) fn removed(&self) -> Vec<String> {
        self.state.borrow().removed.clone()
    }

    pub(crate) fn uploads(&self) -> Vec<UploadCall> {
        self.state.borrow().uploads.clone()
    }

    /// Requests that start a removal (v1 DELETE users, v2 POST remove).
    pub(crate) fn removal_requests(&self) -> usize {
        self.log()
            .iter()
            .filter(|r| {
                (r.method == Method::Delete && r.url.contains("/security/v1/users?"))
                    || r.url.ends_with("/security/v2/users/remove")
            })
            .count()
    }

    fn handle(&self, req: &Request) -> Result<Response, NetError> {
        let mut st = self.state.borrow_mut();
        st.log.push(req.clone());
        st.run_due_jobs(self.clock.now_ms());
        if let Some((after, new_auth)) = st.expire_after.clone() {
            if st.log.len() > after {
                st.valid_auth = new_auth;
                st.expire_after = None;
            }
        }
        let mut lost = None;
        if let Some(i) = st.faults.iter().position(|f| f.times > 0 && (f.when)(req)) {
            st.faults[i].times -= 1;
            if !st.faults[i].after {
                return st.faults[i].reply.clone();
            }
            lost = Some(st.faults[i].reply.clone());
        }
        let auth = req
            .headers
            .iter()
            .find(|(n, _)| n == "Authorization")
            .map(|(_, v)| v.as_str());
        if auth != Some(st.valid_auth.as_str()) {
            return Ok(Response::new(401, "Unauthorized"));
        }
        let Some(at) = req.url.find("/interop/rest/") else {
            return Ok(Response::new(404, "Not Found"));
        };
        let path = &req.url[at + "/interop/rest/".len()..];
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(|v| decode_component(v, true))
        };
        let segments: Vec<String> = path
            .split('/')
            .map(|s| decode_component(s, false))
            .collect();
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        let body = match (req.method, seg.as_slice()) {
            (Method::Post, ["11.1.2.3.600", "applicationsnapshots", name, "contents"]) => {
                st.upload(name, &param("q").unwrap_or_default(), req)
            }
            (Method::Delete, ["11.1.2.3.600", "applicationsnapshots", name]) => {
                match st.files.remove(*name) {
                    Some(_) => json!({"status": 0, "details": null, "links": []}),
                    None => {
                        json!({"status": 8, "details": format!("File {name} not found."), "links": []})
                    }
                }
            }
            (Method::Delete, ["security", "v1", "users"]) => {
                let polls_left = st.polls_to_finish;
                let file = param("filename").unwrap_or_default();
                let now = self.clock.now_ms();
                let due_ms = st.ms_per_user.map(|ms| {
                    let logins = st
                        .files
                        .get(&file)
                        .map_or(0, |f| String::from_utf8_lossy(f).lines().skip(1).count());
                    now + ms * logins as f64
                });
                if st
                    .jobs
                    .iter()
                    .any(|j| j.due_ms.is_some_and(|due| due > now))
                {
                    st.overlapping_jobs += 1;
                }
                st.jobs.push(Job {
                    file,
                    polls_left,
                    due_ms,
                    result: None,
                });
                let id = st.jobs.len();
                json!({"status": -1, "details": null, "items": null, "links": [
                    {"rel": "self", "href": req.url, "action": "DELETE"},
                    {"rel": "Job Status", "href": format!("{HOST}/interop/rest/security/v1/jobs/{id}"), "action": "GET"}]})
            }
            (Method::Get, ["security", "v1", "jobs", id]) => {
                st.poll(id.parse().unwrap_or(0), self.clock.now_ms())
            }
            (Method::Post, ["security", "v2", "users", "remove"]) => st.remove_v2(req),
            (Method::Post, ["security", "v1", "users", "list"]) => st.list(self.clock.now_ms()),
            _ => return Ok(Response::new(404, "Not Found")),
        };
        lost.unwrap_or_else(|| Ok(Response::new(200, body.to_string())))
    }
}

impl State {
    fn upload(&mut self, name: &str, q: &str, req: &Request) -> Value {
        let q: Value = serde_json::from_str(q).unwrap_or(Value::Null);
        let flag = |k: &str| q.get(k).and_then(Value::as_bool).unwrap_or(false);
        let bytes = req.body.clone().unwrap_or_default();
        assert_eq!(
            q.get("chunkSize").and_then(Value::as_u64),
            Some(bytes.len() as u64),
            "chunkSize is the chunk's length"
        );
        assert!(req
            .headers
            .contains(&("Content-Type".into(), "application/octet-stream".into())));
        self.uploads.push(UploadCall {
            name: name.into(),
            bytes: bytes.len(),
            is_first: flag("isFirst"),
            is_last: flag("isLast"),
        });
        if flag("isFirst") {
            if self.files.contains_key(name) {
                return json!({"status": 8, "details": format!("File {name} already exists. Delete it or upload under another name."), "links": []});
            }
            self.files.insert(name.into(), bytes);
        } else {
            match self.files.get_mut(name) {
                Some(file) => file.extend(bytes),
                None => {
                    return json!({"status": 8, "details": "No upload in progress.", "links": []})
                }
            }
        }
        json!({"status": 0, "details": null, "links": []})
    }

    fn poll(&mut self, id: usize, now: f64) -> Value {
        let self_link = json!([{"rel": "self", "href": format!("{HOST}/interop/rest/security/v1/jobs/{id}"), "action": "GET"}]);
        let never = self.never_finish;
        let Some(job) = self.jobs.get_mut(id.wrapping_sub(1)) else {
            return json!({"status": 1, "details": "Job not found.", "links": self_link});
        };
        let running = match job.due_ms {
            Some(due) => now < due,
            None => job.polls_left > 0,
        };
        if never || running {
            job.polls_left = job.polls_left.saturating_sub(1);
            return json!({"status": -1, "details": null, "items": null, "links": self_link});
        }
        if job.result.is_none() {
            let file = job.file.clone();
            let result = self.run_job(&file);
            self.jobs[id - 1].result = Some(result);
        }
        let mut body = self.jobs[id - 1].result.clone().unwrap_or(Value::Null);
        body["links"] = self_link;
        body
    }

    /// Jobs with an end time ([`FakeEpm::jobs_take`]) take effect when it has passed, polled or not.
    fn run_due_jobs(&mut self, now: f64) {
        for i in 0..self.jobs.len() {
            let job = &self.jobs[i];
            if job.result.is_none()
                && job.due_ms.is_some_and(|due| due <= now)
                && !self.never_finish
            {
                let file = job.file.clone();
                self.jobs[i].result = Some(self.run_job(&file));
            }
        }
    }

    fn run_job(&mut self, file: &str) -> Value {
        let Some(bytes) = self.files.get(file) else {
            return json!({"status": 1, "items": null,
                "details": format!("Failed to remove users. Input file {file} is not found. Specify a valid file name.")});
        };
        let text = String::from_utf8_lossy(bytes).into_owned();
        let logins: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| {
                l.trim_end_matches('\r')
                    .trim_matches('"')
                    .replace("\"\"", "\"")
            })
            .filter(|l| !l.is_empty())
            .collect();
        let poisoned = logins
            .iter()
            .position(|l| self.poison.contains(&l.to_lowercase()));
        if let Some(at) = poisoned {
            if !self.poison_midway {
                return json!({"status": 1, "items": null, "details": "Failed to remove users. An unexpected error occurred."});
            }
            self.remove(&logins[..at]);
            return json!({"status": 1, "items": null, "details": format!(
                "Failed to remove users. An internal error occurred after processing {at} of {} users.", logins.len())});
        }
        let failures = self.remove(&logins);
        let items: Vec<Value> = failures
            .iter()
            .map(|(l, why)| json!({"UserName": l, "Error_Details": why}))
            .collect();
        json!({"status": 0,
            "details": format!("Processed - {}, Succeeded - {}, Failed - {}.", logins.len(), logins.len() - items.len(), items.len()),
            "items": items})
    }

    /// Removes the logins that exist; the others, with why.
    fn remove(&mut self, logins: &[String]) -> Vec<(String, String)> {
        let mut failures = Vec::new();
        for login in logins {
            match self.users.remove(&login.to_lowercase()) {
                Some(_) => self.removed.push(login.clone()),
                None => failures.push((
                    login.clone(),
                    format!("User {login} is not found. Verify that the user exists."),
                )),
            }
        }
        failures
    }

    fn remove_v2(&mut self, req: &Request) -> Value {
        let body: Value =
            serde_json::from_slice(req.body.as_deref().unwrap_or_default()).unwrap_or(Value::Null);
        let Some(users) = body.get("users").and_then(Value::as_array) else {
            return json!({"status": 1, "details": null, "error": {"errorcode": "EPMCSS-21147",
                "errormessage": "Failed to remove users. Invalid or insufficient parameters specified. Provide all required parameters for the REST API."}});
        };
        let logins: Vec<String> = users
            .iter()
            .filter_map(|u| {
                u.get("userlogin")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        if logins
            .iter()
            .any(|l| self.poison.contains(&l.to_lowercase()))
        {
            return json!({"status": 1, "details": null, "error": {"errorcode": "EPMCSS-00001", "errormessage": "Unexpected error."}});
        }
        let failures = self.remove(&logins);
        let items: Vec<Value> = failures
            .iter()
            .map(|(l, why)| json!({"userlogin": l, "errorcode": "EPMCSS-21104", "errormessage": why}))
            .collect();
        json!({"status": 0, "error": null, "details": {"processed": logins.len(),
            "succeeded": logins.len() - items.len(), "failed": items.len(),
            "faileditems": if items.is_empty() { Value::Null } else { Value::Array(items) }}})
    }

    /// Every user, once the jobs due by `now` (with [`FakeEpm::jobs_take`]) have run.
    fn list(&mut self, now: f64) -> Value {
        for id in 1..=self.jobs.len() {
            let job = &self.jobs[id - 1];
            if job.result.is_none() && job.due_ms.is_some_and(|due| due <= now) {
                self.poll(id, now);
            }
        }
        let users: Vec<Value> = self
            .users
            .values()
            .map(|(login, first, email)| json!({"userlogin": login, "firstname": first, "lastname": "Last", "email": email}))
            .collect();
        json!({"status": 0, "error": null, "details": users})
    }
}

impl Http for FakeEpm {
    fn send(&self, req: Request) -> impl Future<Output = Result<Response, NetError>> {
        let reply = self.handle(&req);
        let clock = self.clock.clone();
        async move {
            clock.sleep(20).await;
            reply
        }
    }
}

/// A plan from logins, rows numbered from 2 (row 1 is the header).
pub(crate) fn plan(logins: &[&str]) -> Vec<PlanEntry> {
    logins
        .iter()
        .enumerate()
        .map(|(i, l)| PlanEntry {
            row: i + 2,
            user: l.to_string(),
        })
        .collect()
}

/// Checks the driver's promise: one `Result` event and one returned result per user, alike.
pub(crate) fn assert_one_result_each(
    plan: &[PlanEntry],
    results: &[UserResult],
    events: &[RunEvent],
) {
    let emitted: Vec<&UserResult> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Result(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        emitted.len(),
        results.len(),
        "one Result event per returned result"
    );
    let mut rows: HashMap<usize, usize> = HashMap::new();
    for r in results {
        *rows.entry(r.row).or_default() += 1;
    }
    for p in plan {
        assert_eq!(
            rows.get(&p.row),
            Some(&1),
            "row {} ({}) has exactly one result",
            p.row,
            p.user
        );
    }
    assert_eq!(results.len(), plan.len());
}
