"""The multi-year model: periods 2021-2030 built from the one-year formulation.

``settings`` holds the scenario's ``[path]`` section (imported by the scenario
reader, so it stays free of the model); ``periods`` turns it into one set of
inputs per period (growth, targets by year, stock); ``build`` puts one block
per period into a Pyomo model and links them (capacity that lasts, stock);
``solve`` solves it with perfect or myopic foresight; ``results`` makes the
tables with a ``year`` column. The mathematics is in ``docs/formulation.md``,
section "Multi-year model".
"""
