//! CSV step: drop, pick or paste the list.

use super::StepNav;
use leptos::prelude::*;

/// Placeholder until CSV intake lands.
#[component]
pub fn CsvStep() -> impl IntoView {
    view! {
        <section class="card dropzone">
            <p>"Drop a CSV file here."</p>
        </section>
        <StepNav />
    }
}
