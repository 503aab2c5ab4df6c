//! Unit tests of the charts: each renders to SVG with its title, labels and series
//! names; PNGs have the promised size.
