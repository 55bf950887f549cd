-- A category may require evidence: a resolution in it must carry at least
-- one photo of the place after the work (整改后照片). Off for every
-- category until an administrator turns it on.
ALTER TABLE workorder_categories ADD COLUMN evidence_required BOOLEAN NOT NULL DEFAULT FALSE;
