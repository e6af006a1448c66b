"""Lead imports, by job.

Reading uploaded files: ``reading`` (the entry point: ``inspect_file``, ``iter_rows``) over
``text_files`` (CSV and other delimited text, with ``encodings``), ``workbooks`` (XLSX, ODS and
XLS through python-calamine, sized by ``grid``) and ``xlsx_stream`` (XLSX sheets too large to
load); ``sheet_rows`` holds what they share and ``limits`` the size checks. Then ``mapping``
(columns to lead fields), ``options``, ``jobs`` (creating an import), ``engine`` (the run),
``stores`` (writing batches) and ``results`` (the result files).
"""
