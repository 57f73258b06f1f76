//! Run step: progress of the removal.

use super::StepNav;
use leptos::prelude::*;

/// Placeholder until the run engine lands.
#[component]
pub fn RunStep() -> impl IntoView {
    view! {
        <section class="card"><p>"Nothing is running."</p></section>
        <StepNav />
    }
}
