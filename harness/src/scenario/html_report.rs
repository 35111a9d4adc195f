//! `harness run --html FILE`: a one-page summary of a scenario run, read back from the run's
//! Cucumber JSON — counts, then every feature with its scenarios, failed ones expanded to
//! their steps and the failure message. Self-contained (inline style, no script); every text
//! from the features and the application is escaped.

use std::fmt::Write as _;

use serde::Deserialize;

use crate::check::report::xml as escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:1.4rem 0 .3rem}ul{list-style:none;padding:0;margin:0}\
.summary span{display:inline-block;padding:.15rem .6rem;margin-right:.4rem;border:1px solid #bbb;border-radius:3px}\
details{border:1px solid #ccc;border-radius:4px;margin:.25rem 0;padding:.2rem .5rem}summary{cursor:pointer}\
.passed{background:#d8f0dd}.failed{background:#f7c9c9}.skipped{background:#e8e8e8}\
details.failed{border-color:#c33}li.step{padding:.1rem .3rem;font-family:ui-monospace,monospace;font-size:.85rem}\
li.step.passed{background:none}li.step.background{color:#555}\
pre{white-space:pre-wrap;background:#fff4f4;border-left:3px solid #c33;padding:.3rem .5rem;margin:.2rem 0 .4rem}\
.where{color:#555;font-size:.85rem}.tag{color:#345;font-size:.8rem;margin-left:.4rem}";

/// A step's result as Cucumber JSON gives it.
#[derive(Debug, Clone, Deserialize)]
struct JsonResult {
    status: String,
    #[serde(default)]
    error_message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct JsonStep {
    keyword: String,
    name: String,
    line: usize,
    result: JsonResult,
}

#[derive(Debug, Clone, Deserialize)]
struct JsonTag {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct JsonElement {
    keyword: String,
    name: String,
    line: usize,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    tags: Vec<JsonTag>,
    #[serde(default)]
    steps: Vec<JsonStep>,
}

#[derive(Debug, Clone, Deserialize)]
struct JsonFeature {
    #[serde(default)]
    uri: Option<String>,
    name: String,
    #[serde(default)]
    elements: Vec<JsonElement>,
}

/// How a step or scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Passed,
    /// Failed, undefined, ambiguous: anything that fails the run.
    Failed,
    /// Skipped.
    Skipped,
}

impl Outcome {
    fn from_status(status: &str) -> Self {
        match status {
            "passed" => Self::Passed,
            "skipped" => Self::Skipped,
            _ => Self::Failed,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct StepRun {
    /// `Given `, `When `, ….
    pub keyword: String,
    /// The step's text.
    pub text: String,
    /// Its line in the feature file.
    pub line: usize,
    /// Whether it belongs to the feature's background.
    pub background: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// The failure message.
    pub error: Option<String>,
}

/// One scenario (or one example of an outline).
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// Its name.
    pub name: String,
    /// Its line.
    pub line: usize,
    /// Its tags, without `@`.
    pub tags: Vec<String>,
    /// Background steps first.
    pub steps: Vec<StepRun>,
}

impl ScenarioRun {
    /// Failed if a step failed, else skipped if one was skipped, else passed.
    pub fn outcome(&self) -> Outcome {
        let outcomes = || self.steps.iter().map(|s| s.outcome);
        if outcomes().any(|o| o == Outcome::Failed) {
            Outcome::Failed
        } else if outcomes().any(|o| o == Outcome::Skipped) {
            Outcome::Skipped
        } else {
            Outcome::Passed
        }
    }
}

/// One feature file.
#[derive(Debug, Clone)]
pub struct FeatureRun {
    /// The feature's name.
    pub name: String,
    /// Its file.
    pub uri: Option<String>,
    /// Its scenarios in file order.
    pub scenarios: Vec<ScenarioRun>,
}

/// A finished run.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// The features played.
    pub features: Vec<FeatureRun>,
}

impl RunReport {
    /// Reads a run back from its Cucumber JSON, folding each scenario's background into it.
    pub fn from_cucumber_json(text: &str) -> Result<Self, serde_json::Error> {
        let features: Vec<JsonFeature> = serde_json::from_str(text)?;
        let step = |s: JsonStep, background: bool| StepRun {
            keyword: s.keyword,
            text: s.name,
            line: s.line,
            background,
            outcome: Outcome::from_status(&s.result.status),
            error: s.result.error_message,
        };
        let features = features
            .into_iter()
            .map(|f| {
                let mut scenarios = Vec::new();
                let mut background = Vec::new();
                for e in f.elements {
                    if e.kind == "background" {
                        background.extend(e.steps.into_iter().map(|s| step(s, true)));
                        continue;
                    }
                    let mut steps = std::mem::take(&mut background);
                    steps.extend(e.steps.into_iter().map(|s| step(s, false)));
                    scenarios.push(ScenarioRun {
                        name: if e.name.is_empty() { e.keyword } else { e.name },
                        line: e.line,
                        tags: e.tags.into_iter().map(|t| t.name).collect(),
                        steps,
                    });
                }
                FeatureRun {
                    name: f.name,
                    uri: f.uri,
                    scenarios,
                }
            })
            .collect();
        Ok(Self { features })
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.features
            .iter()
            .flat_map(|f| &f.scenarios)
            .filter(|s| s.outcome() == outcome)
            .count()
    }
}

/// The summary page; `title` says which run (e.g. the shard).
pub fn page(report: &RunReport, title: &str) -> String {
    let (passed, failed, skipped) = (
        report.count(Outcome::Passed),
        report.count(Outcome::Failed),
        report.count(Outcome::Skipped),
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head>\n<body>\n<h1>{t}</h1>\n\
         <p class=\"summary\"><span>{} scenarios</span><span class=\"passed\">{passed} passed</span>\
         <span class=\"failed\">{failed} failed</span><span class=\"skipped\">{skipped} skipped</span></p>\n",
        passed + failed + skipped,
        t = escape(title),
    );
    for f in &report.features {
        let _ = write!(out, "<section><h2>{}</h2>", escape(&f.name));
        if let Some(uri) = &f.uri {
            let _ = write!(out, "<p class=\"where\">{}</p>", escape(uri));
        }
        for s in &f.scenarios {
            out.push_str(&scenario(s));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn scenario(s: &ScenarioRun) -> String {
    let outcome = s.outcome();
    let open = if outcome == Outcome::Failed {
        " open"
    } else {
        ""
    };
    let tags: String = s
        .tags
        .iter()
        .map(|t| format!("<span class=\"tag\">@{}</span>", escape(t)))
        .collect();
    let mut out = format!(
        "<details class=\"{o}\"{open}><summary><strong>{o}</strong> {} <span class=\"where\">line {}</span>{tags}</summary><ul>",
        escape(&s.name),
        s.line,
        o = outcome.as_str(),
    );
    for step in &s.steps {
        let mut class = step.outcome.as_str().to_owned();
        if step.background {
            class.push_str(" background");
        }
        let _ = write!(
            out,
            "<li class=\"step {class}\">{} {}{} <span class=\"where\">({}, line {})</span></li>",
            escape(step.keyword.trim()),
            escape(&step.text),
            if step.background { " [background]" } else { "" },
            step.outcome.as_str(),
            step.line
        );
        if let Some(e) = &step.error {
            let _ = write!(out, "<li><pre>{}</pre></li>", escape(e));
        }
    }
    out.push_str("</ul></details>\n");
    out
}
