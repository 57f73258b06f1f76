//! The panel's state, kept in one place and shared by every step through context.

use std::collections::HashSet;
use std::sync::Arc;

use leptos::prelude::*;

use super::connect::{EPM_API_KEY, EPM_BATCH_KEY};
use super::key_file::SigningKey;
use super::protected::{PROTECTED_KEY, THRESHOLD_KEY};
use crate::browser::load_setting;
use crate::csv_intake::{
    self, row_number, Class, Detection, IntakeError, Invalid, Options, Plan, ProtectedMatcher,
    Table,
};
use crate::epm::list::Presence;
use crate::epm::EpmBase;
use crate::flow::Step;
use crate::removal_plan::{self, Adjustments};
use crate::results::Skipped;
use crate::rsa::jwt::strip_bearer;
use crate::rsa::looked_up::{decide, leave_out, Decision, Decisions, Tally};
use crate::rsa::resolve::Resolution;
use crate::rsa::ApiBase;
use crate::rsa::RemovalOptions;
use crate::run::action::RunAction;
use crate::run::follow_up::FollowUp;
use crate::run::progress::Progress;
use crate::run::PlanEntry;
use crate::run::{Auth, BatchStage, Control, Journal, UserResult};
use crate::target::Target;

/// A file (or paste) that was read, with its detected columns and the current plan.
#[derive(Clone)]
pub struct Loaded {
    /// The file name, or "pasted text".
    pub source: String,
    pub table: Arc<Table>,
    pub detection: Arc<Detection>,
    pub plan: Arc<Plan>,
}

/// Signals every step reads or writes. Cheap to copy.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The step on screen; mirrored in the URL hash.
    pub step: RwSignal<Step>,
    pub target: RwSignal<Target>,
    /// The admin's own account: never removed.
    pub own_account: RwSignal<String>,
    /// The identifier column the admin picked (None: the detected one).
    pub column: RwSignal<Option<usize>>,
    /// Whether the admin said the first non-blank row is a header (None: as detected).
    pub header: RwSignal<Option<bool>>,
    pub loaded: RwSignal<Option<Loaded>>,
    /// Why the last file or paste could not be taken in.
    pub intake_error: RwSignal<Option<String>>,
    /// What the admin typed on the Connect step. Memory only: never stored, never in the URL.
    pub creds: Credentials,
    pub run: RunState,
    /// EPM: users per uploaded file and removal job.
    pub epm_batch_size: RwSignal<usize>,
    /// RSA: what User Details said about the e-mail rows (empty until looked up).
    pub lookups: RwSignal<Vec<Resolution>>,
    /// RSA: the key file tokens are minted from. Memory only.
    pub signing_key: StoredValue<Option<SigningKey>, LocalStorage>,
    /// EPM: use the synchronous v2 removal instead of v1 (upload and job).
    pub epm_v2: RwSignal<bool>,
    /// EPM: what List Users said about each login of the plan (empty until asked).
    pub presence: RwSignal<Vec<Presence>>,
    /// EPM: when List Users gave `presence` (ms since the epoch).
    pub presence_checked_ms: StoredValue<f64>,
    /// Rows the admin dropped from the plan after the preview (EPM logins that do not exist).
    pub dropped: RwSignal<HashSet<usize>>,
    /// Rows the admin left out on the Preview (by row number): never removed. Kept while the same
    /// file stays in, whatever is re-planned.
    pub left_out: RwSignal<HashSet<usize>>,
    /// Protected accounts (logins, IDs, `*` patterns): never removed. Kept in this browser.
    pub protected: RwSignal<Vec<String>>,
    /// The protected-accounts editor: its text while edited and not applied, and what the last
    /// apply said. Kept here, as the Preview is drawn again by every plan.
    pub protected_draft: RwSignal<Option<String>>,
    pub protected_said: RwSignal<(Option<String>, Vec<String>)>,
    /// Above this many users the confirmation also asks for the tenant's host name.
    pub mass_threshold: RwSignal<usize>,
    /// RSA: delete now, or mark for deletion (undoable for seven days).
    pub rsa_action: RwSignal<RunAction>,
    /// RSA: disable enabled users first; unmark users pending deletion and delete them now.
    pub rsa_options: RwSignal<RemovalOptions>,
    /// RSA: [`AppState::lookup_decisions`], worked out once per change for all its readers (a
    /// 40,000-address lookup is decided once, not once per count and list that shows it).
    decisions: Memo<Arc<Decisions>>,
    /// RSA: the lookup's answers counted, for its summary, its choices and the confirmation.
    tally: Memo<Tally>,
}

/// The mass-removal threshold when none was set: the figure directory sync tools stop at.
pub const DEFAULT_MASS_THRESHOLD: usize = 500;

/// The current (or last) run.
#[derive(Clone, Copy)]
pub struct RunState {
    /// None until a run starts.
    pub progress: RwSignal<Option<Progress>>,
    /// Outcomes in the order they became known.
    pub results: RwSignal<Vec<UserResult>>,
    /// EPM batches: users and stage.
    pub batches: RwSignal<Vec<(usize, BatchStage)>>,
    /// Things the engine said that are not a user's outcome.
    pub notes: RwSignal<Vec<String>>,
    /// Whether the engine is still working.
    pub active: RwSignal<bool>,
    /// An EPM run resumed after a reload settles the job and files the closed page left before
    /// it goes on ([`super::launch::resume_run`]): no other run may start meanwhile.
    pub settling: RwSignal<bool>,
    /// The admin cancelled the active (or last) run.
    pub cancelled: RwSignal<bool>,
    /// The results shown come from a file whose rows do not show what its run did (deleted, or
    /// marked for deletion): a retry of them cannot be started from here.
    pub action_unknown: RwSignal<bool>,
    /// The tenant the run talks to.
    pub tenant: RwSignal<String>,
    /// The system the run (or the results shown) is about, whatever step 1 is switched to since.
    pub target: RwSignal<Target>,
    /// Pause, resume, cancel and the credential of the active run (not `Send`: browser only).
    pub control: StoredValue<Option<Control>, LocalStorage>,
    /// The input rows the run left out, with why: the results list them beside the run's rows.
    pub skipped: RwSignal<Vec<Skipped>>,
    /// The journal of the last run once it ended (a retry continues it).
    pub journal: StoredValue<Option<Journal>, LocalStorage>,
    /// A run found saved in this browser when the page opened, until it is resumed or forgotten.
    pub saved: RwSignal<Option<SavedRun>>,
    /// What the run does to each user.
    pub action: RwSignal<RunAction>,
    /// The results are a rehearsal's predictions: nobody was changed.
    pub rehearsal: RwSignal<bool>,
    /// A run the Results step asked for (retry, undo, enable again), shown on the Run step's
    /// confirmation until it is confirmed and started, or the admin leaves the Run step.
    pub follow_up: RwSignal<Option<FollowUp>>,
}

/// A run saved in this browser by an earlier visit: enough to describe it and to resume it.
#[derive(Clone)]
pub struct SavedRun {
    pub journal: Arc<Journal>,
    /// Users with a result.
    pub done: usize,
    /// Users in the plan.
    pub total: usize,
}

impl SavedRun {
    /// Describes a loaded journal.
    pub fn new(journal: Journal) -> Self {
        let total = journal.plan().len();
        let done = total - journal.remaining().len();
        SavedRun {
            journal: Arc::new(journal),
            done,
            total,
        }
    }
}

impl RunState {
    /// Whether a run is under way (working, or settling before it goes on): nothing else may
    /// start a run.
    pub fn busy(&self) -> bool {
        self.active.get() || self.settling.get()
    }

    /// [`RunState::busy`], not tracked.
    pub fn busy_untracked(&self) -> bool {
        self.active.get_untracked() || self.settling.get_untracked()
    }

    fn new() -> Self {
        RunState {
            progress: RwSignal::new(None),
            results: RwSignal::new(Vec::new()),
            batches: RwSignal::new(Vec::new()),
            notes: RwSignal::new(Vec::new()),
            active: RwSignal::new(false),
            settling: RwSignal::new(false),
            cancelled: RwSignal::new(false),
            action_unknown: RwSignal::new(false),
            tenant: RwSignal::new(String::new()),
            target: RwSignal::new(Target::Rsa),
            control: StoredValue::new_local(None),
            skipped: RwSignal::new(Vec::new()),
            journal: StoredValue::new_local(None),
            saved: RwSignal::new(None),
            action: RwSignal::new(RunAction::Remove),
            rehearsal: RwSignal::new(false),
            follow_up: RwSignal::new(None),
        }
    }

    /// Gives the active run a new credential: it goes on if it was paused for a refused one, and
    /// the notes that asked for one are dropped (they would outlive the pause).
    pub fn give_credential(self, auth: Auth) {
        self.with_control(|c| c.replace_auth(auth));
        let asking = |note: &String| note.ends_with(crate::run::ASKS_FOR_CREDENTIAL);
        if self.notes.with_untracked(|notes| notes.iter().any(asking)) {
            self.notes
                .update(|notes| notes.retain(|note| !asking(note)));
        }
    }

    /// Applies `act` to the active run's control, if there is one, then shows the pause that
    /// still holds (an admin's pause outlasts a new credential or the browser coming back online).
    pub fn with_control(self, act: impl FnOnce(&Control)) {
        let mode = self.control.with_value(|c| {
            c.as_ref().map(|c| {
                act(c);
                c.mode()
            })
        });
        if let Some(mode) = mode {
            self.progress.update(|p| {
                if let Some(p) = p {
                    p.set_paused(mode.pause_reason(), js_sys::Date::now());
                }
            });
        }
    }
}

/// The Connect step's fields. Secrets live in these signals only and are cleared on disconnect.
#[derive(Clone, Copy)]
pub struct Credentials {
    pub rsa_base: RwSignal<String>,
    pub jwt: RwSignal<String>,
    pub epm_base: RwSignal<String>,
    /// EPM: use a pasted OAuth token instead of Basic user and password.
    pub epm_oauth: RwSignal<bool>,
    pub epm_user: RwSignal<String>,
    pub epm_password: RwSignal<String>,
    pub epm_token: RwSignal<String>,
}

impl Credentials {
    fn new() -> Self {
        Credentials {
            rsa_base: RwSignal::new(String::new()),
            jwt: RwSignal::new(String::new()),
            epm_base: RwSignal::new(String::new()),
            epm_oauth: RwSignal::new(false),
            epm_user: RwSignal::new(String::new()),
            epm_password: RwSignal::new(String::new()),
            epm_token: RwSignal::new(String::new()),
        }
    }

    /// Forgets every secret.
    pub fn clear_secrets(&self) {
        self.jwt.set(String::new());
        self.epm_password.set(String::new());
        self.epm_token.set(String::new());
    }
}

/// Where and as whom the run calls the vendor, ready to use.
#[derive(Clone, Debug)]
pub enum Connection {
    Rsa { base: ApiBase, auth: Auth },
    Epm { base: EpmBase, auth: Auth },
}

impl Connection {
    /// The credential.
    pub fn auth(&self) -> &Auth {
        match self {
            Connection::Rsa { auth, .. } | Connection::Epm { auth, .. } => auth,
        }
    }

    /// The tenant's name as the admin would recognise it.
    pub fn tenant(&self) -> String {
        match self {
            Connection::Rsa { base, .. } => base.tenant_label().to_string(),
            Connection::Epm { base, .. } => {
                let s = base.as_str();
                s.split_once("://").map_or(s, |(_, host)| host).to_string()
            }
        }
    }
}

impl AppState {
    /// Fresh state, starting at `step`.
    pub fn new(step: Step) -> Self {
        let mut state = AppState {
            step: RwSignal::new(step),
            target: RwSignal::new(Target::default()),
            own_account: RwSignal::new(String::new()),
            column: RwSignal::new(None),
            header: RwSignal::new(None),
            loaded: RwSignal::new(None),
            intake_error: RwSignal::new(None),
            creds: Credentials::new(),
            run: RunState::new(),
            epm_batch_size: RwSignal::new(
                load_setting(EPM_BATCH_KEY)
                    .and_then(|t| t.trim().parse::<usize>().ok())
                    .map_or(
                        crate::epm::DEFAULT_BATCH_SIZE,
                        crate::epm::batch_size_within_limits,
                    ),
            ),
            lookups: RwSignal::new(Vec::new()),
            signing_key: StoredValue::new_local(None),
            epm_v2: RwSignal::new(load_setting(EPM_API_KEY).as_deref() == Some("v2")),
            presence: RwSignal::new(Vec::new()),
            presence_checked_ms: StoredValue::new(0.0),
            dropped: RwSignal::new(HashSet::new()),
            left_out: RwSignal::new(HashSet::new()),
            protected: RwSignal::new(
                load_setting(PROTECTED_KEY)
                    .map(|t| csv_intake::parse_protected(&t).patterns)
                    .unwrap_or_default(),
            ),
            protected_draft: RwSignal::new(None),
            protected_said: RwSignal::new((None, Vec::new())),
            rsa_action: RwSignal::new(RunAction::Remove),
            rsa_options: RwSignal::new(RemovalOptions::default()),
            mass_threshold: RwSignal::new(
                load_setting(THRESHOLD_KEY)
                    .and_then(|t| crate::run::follow_up::mass_threshold(&t))
                    .unwrap_or(DEFAULT_MASS_THRESHOLD),
            ),
            decisions: Memo::new(|_| Arc::default()),
            tally: Memo::new(|_| Tally::default()),
        };
        let unshared = state;
        state.decisions = Memo::new(move |_| Arc::new(Decisions::new(unshared.decide_lookups())));
        // `unshared` holds the placeholder memo: the tally reads the decisions worked out above.
        let (decisions, lookups) = (state.decisions, state.lookups);
        state.tally = Memo::new(move |_| {
            let decisions = decisions.get();
            lookups.with(|l| Tally::new(l, decisions.removed()))
        });
        state
    }

    /// Moves the stepper to `step`.
    pub fn go(&self, step: Step) {
        self.step.set(step);
    }

    /// The connection the Connect step describes, or what is missing (tracks the fields).
    pub fn connection(&self) -> Result<Connection, String> {
        let c = &self.creds;
        match self.target.get() {
            Target::Rsa => {
                let base = ApiBase::parse(&c.rsa_base.get()).map_err(|e| e.to_string())?;
                let token = strip_bearer(&c.jwt.get()).to_string();
                if token.is_empty() {
                    return Err("Paste a JWT for the Admin REST API.".into());
                }
                if csv_intake::looks_like_email(self.own_account.get().trim()) {
                    return Err("Enter your own account as your user ID (Cloud Administration, Users): RSA removes \
                                users by user ID, so with your e-mail address there a row giving your user ID would \
                                not be known as yours, and would be removed."
                        .into());
                }
                Ok(Connection::Rsa {
                    base,
                    auth: Auth::Bearer(token),
                })
            }
            Target::Epm => {
                let base = EpmBase::parse(&c.epm_base.get()).map_err(|e| e.to_string())?;
                let auth = if c.epm_oauth.get() {
                    let token = strip_bearer(&c.epm_token.get()).to_string();
                    if token.is_empty() {
                        return Err("Paste an OAuth access token.".into());
                    }
                    Auth::Bearer(token)
                } else {
                    let (user, password) =
                        (c.epm_user.get().trim().to_string(), c.epm_password.get());
                    if user.is_empty() || password.is_empty() {
                        return Err(
                            "Enter the user name and password of an Identity Domain Administrator."
                                .into(),
                        );
                    }
                    Auth::Basic { user, password }
                };
                Ok(Connection::Epm { base, auth })
            }
        }
    }

    /// Takes in a read table: detects its columns and builds the plan.
    pub fn take_in(&self, source: String, table: Result<Table, IntakeError>) {
        if self.run.active.get_untracked() {
            self.intake_error.set(Some(format!(
                "{source}: not taken in, because a removal is running. Let it finish (or cancel it) first."
            )));
            return;
        }
        self.run.progress.set(None);
        self.run.results.set(Vec::new());
        match table {
            Ok(table) => {
                let target = self.target.get_untracked();
                let detection = csv_intake::detect(&table, target);
                self.column.set(None);
                self.header.set(None);
                match self.build_plan(&table, &detection, None) {
                    Ok(plan) => {
                        self.intake_error.set(None);
                        self.forget_checks();
                        self.left_out.set(HashSet::new());
                        self.loaded.set(Some(Loaded {
                            source,
                            table: Arc::new(table),
                            detection: Arc::new(detection),
                            plan: Arc::new(plan),
                        }));
                    }
                    Err(e) => self.refuse(&source, &e),
                }
            }
            Err(e) => self.refuse(&source, &e),
        }
    }

    /// Rebuilds the plan after the target, own account, header or column changed (no re-reading).
    pub fn replan(&self) {
        self.plan_again(true);
    }

    /// Plans again after the protected accounts changed: the lookups, List Users answers and
    /// dropped rows still hold (the rows and their column are the same), and are kept.
    pub fn replan_keeping_checks(&self) {
        self.plan_again(false);
    }

    fn plan_again(&self, forget_checks: bool) {
        if self.run.active.get_untracked() {
            return;
        }
        let Some(loaded) = self.loaded.get_untracked() else {
            return;
        };
        let target = self.target.get_untracked();
        let header = self.header.get_untracked();
        let detection = Arc::new(csv_intake::detect_as(&loaded.table, target, header));
        let column = self.column.get_untracked();
        match self.build_plan(&loaded.table, &detection, column) {
            Ok(plan) => {
                self.intake_error.set(None);
                if forget_checks {
                    self.forget_checks();
                }
                self.loaded.set(Some(Loaded {
                    plan: Arc::new(plan),
                    detection,
                    ..loaded
                }));
            }
            Err(e) => self.refuse(&loaded.source, &e),
        }
    }

    fn build_plan(
        &self,
        table: &Table,
        detection: &Detection,
        column: Option<usize>,
    ) -> Result<Plan, IntakeError> {
        let mut options = Options::detected(self.target.get_untracked(), detection);
        if let Some(column) = column {
            options.column = column;
        }
        options.own_account = self.effective_own_account();
        options.own_is_sign_in = self.own_is_sign_in();
        options.protected = self.protected.get_untracked();
        csv_intake::plan(table, &options)
    }

    /// Forgets lookups, List Users answers and dropped rows: they belonged to the previous plan.
    fn forget_checks(&self) {
        self.lookups.set(Vec::new());
        self.presence.set(Vec::new());
        self.dropped.set(HashSet::new());
    }

    /// RSA rows holding an e-mail address instead of a user ID: they need a lookup first.
    pub fn email_rows(&self) -> Vec<PlanEntry> {
        self.loaded.with(|l| {
            let mut rows = Vec::new();
            // Such rows are invalid ones: a plan without any (every EPM plan) is not looked through.
            let Some(l) = l.as_ref().filter(|l| l.plan.counts().invalid > 0) else {
                return rows;
            };
            for (i, class) in l.plan.classes().iter().enumerate() {
                if let Class::Invalid {
                    reason: Invalid::RsaEmail,
                } = class
                {
                    rows.push(PlanEntry {
                        row: row_number(i) as usize,
                        user: l.plan.value(&l.table, i).to_string(),
                    });
                }
            }
            rows
        })
    }

    /// How many users the run would remove (see [`removal_plan::removal_count`]).
    pub fn removal_count(&self) -> usize {
        self.decisions.track();
        self.dropped.track();
        self.left_out.track();
        self.loaded.track();
        self.with_removal_plan(removal_plan::removal_count)
            .unwrap_or(0)
    }

    /// Who the run removes, in row order: the plan's users and those found by e-mail address.
    pub fn removal_entries(&self) -> Vec<PlanEntry> {
        self.with_removal_plan(|plan, table, adjusted| {
            removal_plan::removal_entries(plan, table, adjusted)
        })
        .unwrap_or_default()
    }

    /// `f` of the loaded plan as adjusted before the run (not tracked); `None` before a file.
    pub fn with_removal_plan<T>(
        &self,
        f: impl FnOnce(&Plan, &Table, &Adjustments) -> T,
    ) -> Option<T> {
        let looked_up = self.decisions.get_untracked();
        self.dropped.with_untracked(|dropped| {
            self.left_out.with_untracked(|left_out| {
                let adjusted = Adjustments {
                    looked_up: &looked_up,
                    dropped,
                    left_out,
                };
                self.loaded
                    .with_untracked(|l| l.as_ref().map(|l| f(&l.plan, &l.table, &adjusted)))
            })
        })
    }

    /// The plan's users by row, as the CSV gave their IDs.
    fn planned_entries(&self) -> Vec<PlanEntry> {
        self.loaded.with(|l| {
            l.as_ref().map_or_else(Vec::new, |l| {
                l.plan
                    .targets(&l.table)
                    .map(|(row, user)| PlanEntry {
                        row: row as usize,
                        user: user.to_string(),
                    })
                    .collect()
            })
        })
    }

    /// What the plan does with each row whose e-mail address was looked up: removes the user
    /// found, unless it is the admin's own account, protected, or already removed by another row.
    pub fn lookup_decisions(&self) -> Arc<Decisions> {
        self.decisions.get()
    }

    /// RSA: the lookup's answers counted by what becomes of them ([`Tally`]).
    pub fn lookup_tally(&self) -> Tally {
        self.tally.get()
    }

    /// [`AppState::lookup_decisions`], not tracked: for a view its list already redraws.
    pub fn decisions_untracked(&self) -> Arc<Decisions> {
        self.decisions.get_untracked()
    }

    fn decide_lookups(&self) -> Vec<(usize, Decision)> {
        if self.lookups.with(Vec::is_empty) {
            return Vec::new();
        }
        self.own_account.track();
        let planned = self.planned_entries();
        let protected = self.protected.get();
        let protected = ProtectedMatcher::new(&protected);
        let own = self.effective_own_account();
        let mut decided = self
            .lookups
            .with(|found| decide(found, &planned, own.as_deref(), &protected));
        self.left_out.with(|rows| leave_out(&mut decided, rows));
        decided
    }

    /// The rows kept out of the run, with why (see [`removal_plan::skipped_rows`]).
    pub fn skipped_rows(&self) -> Vec<Skipped> {
        self.with_removal_plan(removal_plan::skipped_rows)
            .unwrap_or_default()
    }

    /// Whether [`AppState::effective_own_account`] is the EPM Basic user name, none being entered.
    /// A login entered is taken as written, even the sign-in name itself: that is how the admin
    /// says its dot is part of the login, not a classic identity domain's.
    pub fn own_is_sign_in(&self) -> bool {
        self.own_account.with_untracked(|own| own.trim().is_empty())
            && self.effective_own_account().is_some()
    }

    /// The account never to remove: as entered, or for EPM with Basic sign-in, the user name.
    pub fn effective_own_account(&self) -> Option<String> {
        let own = self.own_account.get_untracked();
        if !own.trim().is_empty() {
            return Some(own.trim().to_string());
        }
        let c = &self.creds;
        let basic_user = c.epm_user.get_untracked();
        (self.target.get_untracked() == Target::Epm
            && !c.epm_oauth.get_untracked()
            && !basic_user.trim().is_empty())
        .then(|| basic_user.trim().to_string())
    }

    /// Refuses a drop before anything is read (`why`): as a file that cannot be read, it replaces
    /// the list taken in, so that nobody goes on with the old list meaning the new one (not while
    /// a run is under way: its list stays).
    pub fn refuse_drop(&self, why: String) {
        if !self.run.active.get_untracked() {
            self.loaded.set(None);
        }
        self.intake_error.set(Some(why));
    }

    fn refuse(&self, source: &str, error: &IntakeError) {
        self.loaded.set(None);
        self.intake_error.set(Some(format!("{source}: {error}")));
    }
}
