//! Real datasets for the experiments (filled by the datasets issue).
