//! One analysis at a time on a view: its state, its progress, Cancel, and its errors in the
//! user's language. The worker itself is shared by the whole app ([`use_worker`]).

use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::progress::Progress;
use crate::i18n::{Lang, use_lang};
use crate::worker::client::{AnalysisError, AnalysisWorker};
use crate::worker::protocol::ErrorCode;

/// Puts one analysis worker in the app's context; it starts loading at once.
pub fn provide_worker() {
    provide_context(StoredValue::new_local(AnalysisWorker::new()));
}

/// The app's analysis worker (a fresh one outside the app).
pub fn use_worker() -> AnalysisWorker {
    use_context::<StoredValue<AnalysisWorker, LocalStorage>>()
        .map(|worker| worker.get_value())
        .unwrap_or_default()
}

/// Where an analysis is.
pub enum RunState<T> {
    Idle,
    Running,
    Done(Arc<T>),
    Cancelled,
    Failed(AnalysisError),
}

// Not derived: a derive would ask `T: Clone`, and the result is shared through its `Arc`.
impl<T> Clone for RunState<T> {
    fn clone(&self) -> Self {
        match self {
            RunState::Idle => RunState::Idle,
            RunState::Running => RunState::Running,
            RunState::Done(value) => RunState::Done(Arc::clone(value)),
            RunState::Cancelled => RunState::Cancelled,
            RunState::Failed(error) => RunState::Failed(error.clone()),
        }
    }
}

impl<T> RunState<T> {
    /// The result, once done.
    pub fn done(&self) -> Option<Arc<T>> {
        match self {
            RunState::Done(value) => Some(Arc::clone(value)),
            _ => None,
        }
    }
}

/// The analysis of a view. Copy: hand it to closures freely.
pub struct Run<T: Send + Sync + 'static> {
    pub state: RwSignal<RunState<T>>,
    pub read: RwSignal<u64>,
    pub total: RwSignal<u64>,
    /// Each start gets a number; Cancel, a newer start or leaving the view makes it stale.
    generation: StoredValue<u64>,
    started_ms: StoredValue<f64>,
    pub seconds: RwSignal<f64>,
}

impl<T: Send + Sync + 'static> Clone for Run<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Run<T> {}

impl<T: Send + Sync + 'static> Run<T> {
    /// A run owned by the current view: leaving the view cancels what is running.
    pub fn new() -> Self {
        let run = Self {
            state: RwSignal::new(RunState::Idle),
            read: RwSignal::new(0),
            total: RwSignal::new(0),
            generation: StoredValue::new(0),
            started_ms: StoredValue::new(0.0),
            seconds: RwSignal::new(0.0),
        };
        on_cleanup(move || {
            if matches!(run.state.try_get_untracked(), Some(RunState::Running)) {
                use_worker_cancel();
            }
        });
        run
    }

    pub fn is_running(&self) -> bool {
        self.state.with(|state| matches!(state, RunState::Running))
    }

    /// Starts `analysis(worker, on_progress)` over `total` bytes, replacing any earlier result.
    pub fn start<F>(
        &self,
        total: u64,
        analysis: impl FnOnce(AnalysisWorker, Rc<dyn Fn(u64, u64)>) -> F + 'static,
    ) where
        F: Future<Output = Result<T, AnalysisError>> + 'static,
    {
        let run = *self;
        let id = run.generation.get_value() + 1;
        run.generation.set_value(id);
        run.read.set(0);
        run.total.set(total);
        run.state.set(RunState::Running);
        run.started_ms.set_value(js_sys::Date::now());
        let worker = use_worker();
        spawn_local(async move {
            let read = run.read;
            let on_progress: Rc<dyn Fn(u64, u64)> = Rc::new(move |done, _total| {
                read.try_set(done);
            });
            let result = analysis(worker, on_progress).await;
            if run.generation.try_get_value() != Some(id) {
                return;
            }
            let elapsed = (js_sys::Date::now() - run.started_ms.get_value()) / 1000.0;
            crate::rum::timings::analysis_finished(&result, total, elapsed * 1000.0);
            run.seconds.try_set(elapsed);
            run.state.try_set(match result {
                Ok(value) => RunState::Done(Arc::new(value)),
                Err(AnalysisError::Cancelled) => RunState::Cancelled,
                Err(error) => RunState::Failed(error),
            });
        });
    }

    /// Stops the running analysis (the worker is replaced by a fresh one).
    pub fn cancel(&self) {
        self.generation.update_value(|id| *id += 1);
        use_worker_cancel();
        if matches!(self.state.get_untracked(), RunState::Running) {
            self.state.set(RunState::Cancelled);
        }
    }
}

impl<T: Send + Sync + 'static> Default for Run<T> {
    fn default() -> Self {
        Self::new()
    }
}

fn use_worker_cancel() {
    if let Some(worker) = use_context::<StoredValue<AnalysisWorker, LocalStorage>>() {
        worker.with_value(AnalysisWorker::cancel);
    }
}

struct Text {
    reading: &'static str,
    cancel: &'static str,
    cancelled: &'static str,
}

const EN: Text = Text {
    reading: "Reading",
    cancel: "Cancel",
    cancelled: "The analysis was cancelled.",
};

const FR: Text = Text {
    reading: "Lecture de",
    cancel: "Annuler",
    cancelled: "L'analyse a été annulée.",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// `error` as a sentence for the user in `lang`. The worker writes English; French is
/// translated here by error code.
pub fn error_message(lang: Lang, error: &AnalysisError) -> String {
    use crate::i18n::fill;
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        AnalysisError::Input(job) => {
            let file = job.file.as_deref().unwrap_or("");
            let template = match job.code {
                ErrorCode::EmptyFile => "Le fichier {} est vide : il n'y a rien à analyser.",
                ErrorCode::BinaryFile => {
                    "Le fichier {} n'est pas un fichier CSV (il contient des données binaires). \
                     Choisissez un fichier texte dont les valeurs sont séparées par des virgules, \
                     points-virgules, tabulations ou barres verticales."
                }
                ErrorCode::ReadFailed => {
                    "Le navigateur n'a pas pu lire le fichier {} (déplacé, supprimé ou modifié \
                     pendant la lecture). Choisissez-le à nouveau."
                }
                ErrorCode::UnknownColumn => {
                    "Une colonne choisie n'existe pas dans le fichier {}. Choisissez parmi les \
                     colonnes proposées."
                }
                ErrorCode::NoRows => {
                    "Aucune ligne n'a à la fois une étiquette et une prédiction : vérifiez les \
                     colonnes choisies."
                }
                ErrorCode::BadBaseline => {
                    "La référence {} n'est ni un CSV ni un résultat de qualité exporté (un JSON \
                     avec accuracy ou f1_macro)."
                }
                ErrorCode::BadRequest | ErrorCode::Internal => return job.message.clone(),
            };
            fill(template, &[file])
        }
        AnalysisError::Cancelled => FR.cancelled.to_owned(),
        AnalysisError::Crashed(detail) => fill(
            "L'analyse s'est arrêtée sur une erreur interne. Vous pouvez réessayer ; si cela se \
             reproduit avec ce fichier, signalez-le. Détails : {}",
            &[detail],
        ),
        AnalysisError::Busy => {
            "Une autre analyse est en cours : attendez sa fin ou annulez-la.".to_owned()
        }
        AnalysisError::Unavailable(detail) => fill(
            "L'analyse n'a pas pu démarrer : le navigateur n'a pas lancé son worker ({}).",
            &[detail],
        ),
    }
}

/// The running state of `run`: progress with Cancel, the cancellation or the error. Nothing
/// when idle or done.
#[component]
pub fn RunStatus<T: Send + Sync + 'static>(
    run: Run<T>,
    #[prop(into)] subject: Signal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let t = move || text(lang.get());
    move || match run.state.get() {
        RunState::Idle | RunState::Done(_) => ().into_any(),
        RunState::Running => view! {
            <div class="reading">
                <Progress
                    label=Signal::derive(move || format!("{} {}", t().reading, subject.get()))
                    done=run.read
                    total=run.total
                />
                <button type="button" class="button" on:click=move |_| run.cancel()>
                    {move || t().cancel}
                </button>
            </div>
        }
        .into_any(),
        RunState::Cancelled => view! {
            <p class="notice" role="status">
                {move || t().cancelled}
            </p>
        }
        .into_any(),
        RunState::Failed(error) => view! {
            <p class="alert" role="alert">
                {move || error_message(lang.get(), &error)}
            </p>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::protocol::JobError;

    #[test]
    fn french_errors_name_the_file() {
        let error = AnalysisError::Input(JobError {
            code: ErrorCode::BinaryFile,
            message: "x".into(),
            file: Some("photo.png".into()),
        });
        let message = error_message(Lang::Fr, &error);
        assert!(message.contains("photo.png") && message.contains("n'est pas un fichier CSV"));
        assert_eq!(error_message(Lang::En, &error), "x");
    }
}
