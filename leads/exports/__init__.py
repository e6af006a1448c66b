"""Lead exports as background jobs: which leads a user may export (``visible``), the job's
life (``jobs``), the task (``tasks``) and the CSV/XLSX writers (``writing``)."""
