//! Connect step: target system and credential.

use super::StepNav;
use leptos::prelude::*;

/// Placeholder until the RSA and EPM connections land.
#[component]
pub fn ConnectStep() -> impl IntoView {
    view! {
        <section class="card">
            <p>"Target systems: RSA Cloud Access Service and Oracle EPM Cloud."</p>
        </section>
        <StepNav />
    }
}
