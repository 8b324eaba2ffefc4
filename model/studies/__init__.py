"""Studies over many solves: sweeps, global sensitivity, calibration, comparison of runs."""
