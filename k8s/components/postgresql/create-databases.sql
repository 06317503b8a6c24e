-- One database per service that owns data; each service migrates its own schema at start.
CREATE DATABASE inventory;
CREATE DATABASE orders;
CREATE DATABASE payments;
CREATE DATABASE notifications;
