"""diagnose's engine in SQL: Segment events normalised into one relation, the rules as queries
over it, run by DuckDB here and transpiled for the warehouse."""
