-- English names of the inspection records the demo and the admins name in
-- Chinese: the index, its nodes, the check items' titles and rules (and those each
-- result keeps as they were), and the sites with their addresses. Empty: the page
-- shows the Chinese name.
ALTER TABLE inspection_indexes ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_nodes ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_check_items ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_check_items ADD COLUMN rule_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_results ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_results ADD COLUMN rule_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_sites ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
ALTER TABLE inspection_sites ADD COLUMN address_en TEXT NOT NULL DEFAULT '';
