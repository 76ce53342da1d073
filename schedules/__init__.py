"""The working-day calendar, the rules deciding what is due for whom, and the scheduler wiring."""
