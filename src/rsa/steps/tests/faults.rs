//! Random faults: every user still ends once, and no step follows a known outcome.

use super::*;

#[test]
fn under_random_faults_every_user_ends_once_and_nothing_follows_a_known_outcome() {
    for seed in 0..4u64 {
        let p = plan(80);
        let settings = RunSettings {
            seed,
            request_timeout_ms: 5_000,
            pacer: PacerSettings {
                initial: 4,
                min: 1,
                max: 16,
            },
            ..RunSettings::default()
        };
        let none = HashSet::new();
        let work = ResumePlan {
            plan: &p,
            unanswered: &none,
        };
        let ran = run_work(
            work,
            disable_first(),
            settings,
            move |c| {
                let mut rng = crate::run::rng::Rng::new(
                    seed * 1_000_003 + c.at_ms as u64 * 31 + user_no(c) as u64,
                );
                let latency = 20 + rng.up_to(400);
                match rng.up_to(99) {
                    0..=9 => Reply::status(500).after(latency),
                    10..=14 => Reply::fail(NetError::Unreachable(String::new())).after(latency),
                    15..=17 => Reply::hang(),
                    18..=27 => Reply::status(429).after(latency).header("Retry-After", "1"),
                    28..=31 => Reply::status(404).after(latency),
                    32..=37 => Reply::status(409).after(latency),
                    _ => Reply::status(200).after(latency),
                }
            },
            nothing,
        );
        ran.assert_accounted(&p);
        for r in &ran.results {
            let deletes = ran.calls_of(&PlanEntry {
                row: r.row,
                user: r.user.clone(),
            });
            let first_delete = deletes.iter().position(|c| kind(c) == "delete");
            assert!(
                first_delete.is_none_or(|k| deletes[k..].iter().all(|c| kind(c) == "delete")),
                "row {}: a disable after the delete started",
                r.row
            );
        }
    }
}
