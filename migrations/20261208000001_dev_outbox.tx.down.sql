DROP TABLE dev_outbox;
