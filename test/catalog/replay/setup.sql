-- Tables of the same shape as the replay tests' pondgate tables, created on the private
-- PostgreSQL 15 server the answers are recorded from (record-pg15.ts), by the replay user.
-- DuckDB's types as pondgate announces them: TIMESTAMP→timestamp, BIGINT→int8,
-- VARCHAR→text, DOUBLE→float8.
CREATE TABLE flights (date timestamp, delay bigint, distance bigint, origin text, destination text);
CREATE TABLE airports (iata text, name text, city text, state text, country text, latitude double precision, longitude double precision);
INSERT INTO flights VALUES ('2001-01-13 14:56:00', 32, 417, 'SAN', 'SJC'), ('2001-01-31 16:40:00', -5, 1093, 'FLL', 'ISP');
INSERT INTO airports VALUES ('SAN', 'San Diego International-Lindbergh', 'San Diego', 'CA', 'USA', 32.73355611, -117.1896567),
  ('SJC', 'San Jose International', 'San Jose', 'CA', 'USA', 37.36186194, -121.9290089);
COMMENT ON TABLE flights IS 'US flights, 2001';
COMMENT ON COLUMN flights.delay IS 'minutes late on arrival';
