-- Phone numbers are stored in one canonical form (internal/pii): digits
-- only, without +86. Mobiles were already stored as their 11 digits; a
-- landline was kept as typed, with or without a dash (0833-2123456,
-- 08332123456), so the points of one number could sit under two keys.
-- Remove the dashes everywhere a phone is stored, and merge the points
-- balances that one number had under several forms into one row.
UPDATE users SET phone = REPLACE(phone, '-', '') WHERE phone LIKE '%-%';
UPDATE units SET contact_phone = REPLACE(contact_phone, '-', '') WHERE contact_phone LIKE '%-%';
UPDATE workorders SET reporter_phone = REPLACE(reporter_phone, '-', '') WHERE reporter_phone LIKE '%-%';
UPDATE points_ledger SET phone = REPLACE(phone, '-', '') WHERE phone LIKE '%-%';
INSERT INTO points_balances (phone, balance, updated_at)
    SELECT REPLACE(d.phone, '-', ''), 0, MAX(d.updated_at) FROM points_balances d
    WHERE d.phone LIKE '%-%'
      AND NOT EXISTS (SELECT 1 FROM points_balances c WHERE c.phone = REPLACE(d.phone, '-', ''))
    GROUP BY REPLACE(d.phone, '-', '');
UPDATE points_balances SET balance = balance + (SELECT SUM(d.balance) FROM points_balances d
        WHERE d.phone LIKE '%-%' AND REPLACE(d.phone, '-', '') = points_balances.phone)
    WHERE phone NOT LIKE '%-%'
      AND EXISTS (SELECT 1 FROM points_balances d WHERE d.phone LIKE '%-%' AND REPLACE(d.phone, '-', '') = points_balances.phone);
DELETE FROM points_balances WHERE phone LIKE '%-%';
