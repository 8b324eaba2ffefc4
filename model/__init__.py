"""wastealloc: allocate industrial solid waste to utilization capacity (Pyomo + HiGHS).

The package reads in one direction: config -> data -> checks -> inputs ->
formulation -> solve -> results -> outputs / maps; cli is a thin shell.
"""

__version__ = "0.1.0"
