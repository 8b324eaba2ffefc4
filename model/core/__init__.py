"""The model core: scenario files, model inputs, the linear program, the solver, results tables."""
