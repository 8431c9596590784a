-- A unit deleted after alerts were routed to it is retired instead: alerts and their
-- deliveries keep pointing at it, so the record of who was warned stays whole, but it gets no
-- new alerts, areas, members, addresses or sub-units. NULL while the unit is in service.
ALTER TABLE units ADD COLUMN retired_at TEXT;
