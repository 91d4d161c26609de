"""Auto-compression: an Optuna search over the registry's methods and chains for the best variant
within an accuracy budget, selected on the validation split and then measured like any target.

- settings: the `search` config section, its space of candidates and the checks (torch-free)
- study: the Optuna study on disk, its samplers and the worker loop that runs trials
- trial: one trial, built, evaluated and benchmarked with the targets' own code
- selection: the front, the chosen trial and the best-so-far history over trial rows (pure)
- analysis: what the report states about a finished search, from result tables (pure)
"""
