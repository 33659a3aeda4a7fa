-- Run once by the postgres image on an empty volume: the serving database, beside the one
-- Dagster keeps its runs in (POSTGRES_DB). The publish creates schema marts, the reader role
-- and the grants itself.
CREATE DATABASE analytics;
