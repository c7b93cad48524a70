-- The testing hub's store: its own role and database beside the shop's (compose stack only;
-- on Kubernetes CloudNativePG creates them from the Cluster's managed roles and a Database).
-- The password comes from the container's TESTHUB_DB_PASSWORD (psql's \getenv).
\getenv testhub_password TESTHUB_DB_PASSWORD
CREATE ROLE testhub LOGIN PASSWORD :'testhub_password';
CREATE DATABASE testhub OWNER testhub;
