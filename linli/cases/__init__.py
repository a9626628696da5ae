"""The neighbourhood case engine (邻里110): intake, triage, routing, tiers, deadlines."""
