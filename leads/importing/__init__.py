"""Lead imports: reading uploaded files (``reading``) and mapping their columns to lead fields
(``mapping``). Nothing here touches HTTP or the database."""
