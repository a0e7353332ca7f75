//! The progress bar: drawn on stderr for a person at a terminal, never when output is piped
//! or `CI` is set. A ticker task reads the step counter, so agents never touch the bar.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::context::{Count, RunContext};

/// A running progress bar, or nothing.
pub(super) struct Progress {
    bar: Option<(ProgressBar, tokio::task::JoinHandle<()>)>,
}

/// Whether a progress bar is wanted: asked for, stderr is a terminal, and not in CI.
pub fn wanted(asked: bool) -> bool {
    asked && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// Starts a bar over `total` steps (a spinner when the total is unknown), if `enabled`.
pub(super) fn start(enabled: bool, total: Option<u64>, ctx: Arc<RunContext>) -> Progress {
    if !enabled {
        return Progress { bar: None };
    }
    let bar = match total {
        Some(total) => ProgressBar::new(total).with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    let ticking = bar.clone();
    let ticker = tokio::spawn(async move {
        loop {
            ticking.set_position(ctx.counters.get(Count::Steps));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    Progress {
        bar: Some((bar, ticker)),
    }
}

impl Progress {
    /// Removes the bar.
    pub(super) fn finish(self) {
        if let Some((bar, ticker)) = self.bar {
            ticker.abort();
            bar.finish_and_clear();
        }
    }
}
