//! Inline SVG pictures: the live throughput sparkline and the outcome breakdown bar.

use leptos::prelude::*;

use crate::charts::{stacked, Part, Samples};
use crate::decimal::{fixed, grouped, tenths};

const SPARK_W: u32 = 600;
const SPARK_H: u32 = 80;
const BAR_W: u32 = 600;
const BAR_H: u32 = 22;

/// Users done per second over the last two minutes, sampled every second while the run is active.
#[component]
pub fn ThroughputChart(
    /// Users with an outcome so far.
    #[prop(into)]
    done: Signal<usize>,
    /// Whether the run is still going (sampling stops when it ends).
    #[prop(into)]
    active: Signal<bool>,
) -> impl IntoView {
    let samples = RwSignal::new(Samples::new(120_000.0));
    let sample = move || {
        if active.get_untracked() {
            samples.update(|s| s.push(js_sys::Date::now(), done.get_untracked()));
        }
    };
    sample();
    let ticker = set_interval_with_handle(sample, std::time::Duration::from_secs(1)).ok();
    on_cleanup(move || {
        if let Some(t) = ticker {
            t.clear();
        }
    });
    let line = Memo::new(move |_| {
        samples.with(|s| s.sparkline(js_sys::Date::now(), f64::from(SPARK_W), f64::from(SPARK_H)))
    });
    // A run that ended within its first second leaves nothing to draw: no empty frame then.
    view! {
        <figure class="chart throughput" id="throughput-chart"
            hidden=move || !active.get() && line.with(Option::is_none)>
            <svg viewBox=format!("0 0 {SPARK_W} {SPARK_H}") preserveAspectRatio="none" role="img"
                aria-label=move || line.with(|l| l.as_ref().map_or_else(
                    || "Throughput: measuring".to_string(),
                    |l| format!("Throughput over the last two minutes; now {} users per second", fixed(l.latest_per_s, 0))))>
                <line class="axis" x1="0" y1=SPARK_H x2=SPARK_W y2=SPARK_H />
                <polyline class="rate" fill="none" points=move || line.with(|l| l.as_ref().map(|l| l.points.clone()).unwrap_or_default()) />
            </svg>
            <figcaption>{move || line.with(|l| match l {
                Some(l) if active.get() => format!("Users per second, last two minutes (top of chart: {}). Now: {}/s.", fixed(l.max_per_s, 0), fixed(l.latest_per_s, 1)),
                Some(l) => format!("Users per second, the run's last two minutes (top of chart: {}).", fixed(l.max_per_s, 0)),
                None => "Users per second: measuring…".to_string(),
            })}</figcaption>
        </figure>
    }
}

/// One stacked bar of outcomes with a legend: readable at a glance.
#[component]
pub fn Breakdown(
    /// The outcomes in display order, with their counts.
    #[prop(into)]
    parts: Signal<Vec<Part>>,
    /// What the bar shows, for screen readers.
    label: &'static str,
) -> impl IntoView {
    let segments = Memo::new(move |_| parts.with(|p| stacked(p, f64::from(BAR_W), 3.0)));
    let description = move || {
        segments.with(|s| {
            s.iter()
                .map(|s| {
                    format!(
                        "{} {} ({}%)",
                        grouped(s.count),
                        s.label,
                        tenths(s.per_mille.into())
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! {
        <figure class="chart breakdown">
            <svg viewBox=format!("0 0 {BAR_W} {BAR_H}") preserveAspectRatio="none" role="img"
                aria-label=move || format!("{label}: {}", description())>
                <rect class="track" x="0" y="0" width=BAR_W height=BAR_H rx="4" />
                {move || segments.get().into_iter().map(|s| view! {
                    <rect class=format!("seg seg-{}", s.key) x=fixed(s.x, 2) y="0"
                        width=fixed(s.width, 2) height=BAR_H>
                        <title>{format!("{}: {} ({}%)", s.label, grouped(s.count), tenths(s.per_mille.into()))}</title>
                    </rect>
                }).collect_view()}
            </svg>
            <figcaption>
                <ul class="legend">
                    {move || segments.get().into_iter().map(|s| view! {
                        <li><span class=format!("swatch seg-{}", s.key) aria-hidden="true"></span>
                            {format!("{} {} ({}%)", grouped(s.count), s.label, tenths(s.per_mille.into()))}</li>
                    }).collect_view()}
                </ul>
            </figcaption>
        </figure>
    }
}
