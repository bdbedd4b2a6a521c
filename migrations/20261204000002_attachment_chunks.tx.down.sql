CREATE TABLE attachment_contents (
    attachment_id uuid PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE,
    data          bytea NOT NULL
);
INSERT INTO attachment_contents (attachment_id, data)
SELECT attachment_id, string_agg(data, ''::bytea ORDER BY seq) FROM attachment_chunks GROUP BY attachment_id;
DROP TABLE attachment_chunks;
