"""Training data for imitation: teachers' demonstrations stored as actions
(:mod:`.demos`), their observations re-rendered by replay (:mod:`.replay`), the
goal-in-view targets of each step (:mod:`.targets`), and ``(B, T)`` batches cut from them
(:mod:`.batches`)."""
