"""The demo city: a fictional district near Jiaxing (邻里区, code 330499) with its streets,
communities, grids, police, departments, organisations, accounts and duty roster, generated
deterministically (seed 2026) and loaded once by ``linli manage load_demo``.

``geometry`` and ``names`` need no database (nor Django set up); ``loader.build_demo_city`` and
``loader.load_demo`` write the city.
"""

DISTRICT_CODE = "330499"  # fictional: a county code left unused under Jiaxing (3304)
DISTRICT_NAME = "邻里区"
SEED = 2026
DEMO_PASSWORD = "linli-demo"  # of every demo account
