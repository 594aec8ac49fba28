//! PASA simulator, not written yet: the discrete-event simulator that runs the real router core
//! on every node, bootstrapped by real GAAO/EARO messages, will live here (issue "`pasa-sim`").
