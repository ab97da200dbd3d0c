//! Statistics over replications and experimental designs. Nothing here knows about cadres: the
//! functions work on numbers, so they can be tested on cases with known answers.

pub mod design;
pub mod runs;
pub mod sensitivity;
pub mod sobol_seq;
pub mod stats;
