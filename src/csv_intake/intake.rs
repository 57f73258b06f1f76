//! The whole intake a piece at a time, so a page can read a large file without freezing: decode, parse, and
//! (when asked) plan for the detected options, each in pieces of bounded work.
//!
//! ```
//! use offboard::csv_intake::{self, Intake, Options};
//! use offboard::target::Target;
//!
//! let planned = Options::detected(Target::Epm, &Default::default());
//! let mut intake = Intake::bytes(b"User Login\njdoe\nJDOE\n".to_vec()).planning(planned);
//! while !intake.step() {
//!     // Yield to the event loop here; `intake.progress()` says how far it is.
//! }
//! let table = intake.finish().unwrap();
//! let options = Options::detected(Target::Epm, &csv_intake::detect(&table, Target::Epm));
//! let plan = csv_intake::plan(&table, &options).unwrap(); // built during the steps: no work left
//! assert_eq!(plan.counts().duplicates, 1);
//! ```

use super::decode::Decoder;
use super::parse::Parsing;
use super::plan::Planner;
use super::{check_size, detect, Encoding, IntakeError, Options, Table};

/// How much one [`Intake::step`] does at most. The defaults take a few milliseconds each in a browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pieces {
    /// Input bytes decoded per step (validating UTF-8 is one step).
    pub decode_bytes: usize,
    /// Text bytes parsed per step (whole rows).
    pub parse_bytes: usize,
    /// Rows classified, or values searched for repeats, per step.
    pub plan_rows: usize,
}

impl Default for Pieces {
    fn default() -> Self {
        Pieces {
            decode_bytes: 1 << 20,
            parse_bytes: 1 << 18,
            plan_rows: 1 << 13,
        }
    }
}

/// Reading a file (or pasted text) into a [`Table`] step by step; see the module documentation. Gives the same
/// table, errors and plan as [`super::read_bytes`], [`super::read_pasted`] and [`super::plan`].
pub struct Intake {
    stage: Stage,
    pieces: Pieces,
    /// Plan with these options, their header and column replaced by the detected ones.
    planning: Option<Options>,
}

enum Stage {
    Decoding(Decoder),
    Parsing(Parsing),
    Planning(Box<(Table, Planner)>),
    Done(Result<Table, IntakeError>),
    Taken,
}

impl Intake {
    /// Starts reading a file's bytes (as [`super::read_bytes`]).
    pub fn bytes(bytes: Vec<u8>) -> Intake {
        let stage = match Decoder::new(bytes) {
            Ok(decoder) => Stage::Decoding(decoder),
            Err(e) => Stage::Done(Err(e)),
        };
        Intake::at(stage)
    }

    /// Starts reading pasted text (as [`super::read_pasted`]).
    pub fn pasted(text: &str) -> Intake {
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let stage = if text.is_empty() {
            Stage::Done(Err(IntakeError::Empty { pasted: true }))
        } else {
            match check_size(text.len()) {
                Ok(()) => Stage::Parsing(Parsing::new(text.to_string(), Encoding::Pasted)),
                Err(e) => Stage::Done(Err(e)),
            }
        };
        Intake::at(stage)
    }

    fn at(stage: Stage) -> Intake {
        Intake {
            stage,
            pieces: Pieces::default(),
            planning: None,
        }
    }

    /// Also builds, in steps, the plan for `options` with the header and column [`detect`] finds for its target
    /// ([`Options::detected`], the own account and protected accounts kept): [`super::plan`] then hands it out at
    /// once for exactly those options. Nothing is planned when a plan cannot be made; [`super::plan`] then says
    /// why.
    pub fn planning(mut self, options: Options) -> Intake {
        self.planning = Some(options);
        self
    }

    /// Sets how much each step does.
    pub fn pieces(mut self, pieces: Pieces) -> Intake {
        self.pieces = pieces;
        self
    }

    /// Does one piece of work; `true` once the intake is over (read, or refused): then call [`Intake::finish`].
    pub fn step(&mut self) -> bool {
        let stage = std::mem::replace(&mut self.stage, Stage::Taken);
        self.stage = match stage {
            Stage::Decoding(mut decoder) => match decoder.step(self.pieces.decode_bytes) {
                Ok(None) => Stage::Decoding(decoder),
                Ok(Some((text, encoding))) => Stage::Parsing(Parsing::new(text, encoding)),
                Err(e) => Stage::Done(Err(e)),
            },
            Stage::Parsing(mut parsing) => match parsing.step(self.pieces.parse_bytes) {
                Ok(false) => Stage::Parsing(parsing),
                Ok(true) => match parsing.finish() {
                    Ok(table) => match super::one_line::relisted(&table) {
                        Some(listing) => Stage::Parsing(listing),
                        None => self.start_planning(table),
                    },
                    Err(e) => Stage::Done(Err(e)),
                },
                Err(e) => Stage::Done(Err(e)),
            },
            Stage::Planning(mut planning) => {
                let (table, planner) = &mut *planning;
                if planner.step(table, self.pieces.plan_rows) {
                    let (table, planner) = *planning;
                    table.ready.put(planner.finish());
                    Stage::Done(Ok(table))
                } else {
                    Stage::Planning(planning)
                }
            }
            done => done,
        };
        matches!(self.stage, Stage::Done(_) | Stage::Taken)
    }

    fn start_planning(&self, table: Table) -> Stage {
        let Some(template) = &self.planning else {
            return Stage::Done(Ok(table));
        };
        let detected = Options::detected(template.target, &detect(&table, template.target));
        let options = Options {
            column: detected.column,
            header: detected.header,
            ..template.clone()
        };
        match Planner::new(&table, &options) {
            Ok(planner) => Stage::Planning(Box::new((table, planner))),
            Err(_) => Stage::Done(Ok(table)),
        }
    }

    /// How far the intake is, from 0 to 1 (decoding a tenth, parsing four, planning half; without planning,
    /// parsing is nine tenths).
    pub fn progress(&self) -> f64 {
        let parse_share = if self.planning.is_some() { 0.4 } else { 0.9 };
        match &self.stage {
            Stage::Decoding(decoder) => 0.1 * decoder.progress(),
            Stage::Parsing(parsing) => {
                0.1 + parse_share * parsing.position() as f64 / parsing.len().max(1) as f64
            }
            Stage::Planning(planning) => 0.5 + 0.5 * planning.1.progress(&planning.0),
            Stage::Done(_) | Stage::Taken => 1.0,
        }
    }

    /// The table, or why the input cannot be taken in. Steps until the end if [`Intake::step`] has not said so.
    pub fn finish(mut self) -> Result<Table, IntakeError> {
        while !self.step() {}
        match self.stage {
            Stage::Done(result) => result,
            _ => Err(IntakeError::OnlyBlankLines),
        }
    }
}
