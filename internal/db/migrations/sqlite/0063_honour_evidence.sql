-- A nomination's evidence (证明材料): scans and photos of certificates,
-- media reports and letters, kept apart from the story's photos (kind
-- 'evidence' is never public: the wall and the public photo route serve
-- story photos only), and the nominator's note of what the evidence is.
ALTER TABLE honour_photos ADD COLUMN kind TEXT NOT NULL DEFAULT 'story' CHECK (kind IN ('story','evidence'));
ALTER TABLE honour_nominations ADD COLUMN evidence_note TEXT NOT NULL DEFAULT '';
