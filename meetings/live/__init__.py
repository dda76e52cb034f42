"""Live capture: a meeting recorded in numbered chunks while it runs, transcribed as they arrive."""
