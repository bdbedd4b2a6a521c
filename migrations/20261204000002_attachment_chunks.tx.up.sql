-- Attachment content in chunks of at most 256 KiB, so that a download or an upload holds one chunk
-- in the server's memory, never a whole file. version names one content of an attachment: a
-- replacement writes its chunks under a new version, beside the old ones, and deletes the old ones
-- in the same transaction once it holds the attachment's lock; so two uploads to one attachment
-- never collide on a key while they stream, and a download that reads chunk after chunk (each in
-- its own statement, without holding a connection between them) asks for its version's chunks and
-- notices a replacement instead of mixing two files. Every content has at least one chunk (an empty file: one empty chunk).
--
-- The foreign key is checked at commit: an upload streams its chunks first and locks the document
-- or case for the access decision and the attachment's row only after, so that a long upload does
-- not hold the owner's lock, nor lock the attachment's row before the owner's (the lock order is in
-- attachments.Service.write).
CREATE TABLE attachment_chunks (
    attachment_id uuid    NOT NULL REFERENCES attachments (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    version       uuid    NOT NULL,
    seq           integer NOT NULL CHECK (seq >= 0),
    data          bytea   NOT NULL,
    PRIMARY KEY (attachment_id, version, seq)
);

-- The existing contents, cut into chunks; a CTE with a volatile function is evaluated once per
-- row, so all chunks of one attachment share its version.
WITH contents AS (
    SELECT attachment_id, gen_random_uuid() AS version, data FROM attachment_contents
)
INSERT INTO attachment_chunks (attachment_id, version, seq, data)
SELECT c.attachment_id, c.version, s.seq, substring(c.data FROM s.seq * 262144 + 1 FOR 262144)
FROM contents c
CROSS JOIN LATERAL generate_series(0, greatest((octet_length(c.data) + 262143) / 262144 - 1, 0)) AS s (seq);

DROP TABLE attachment_contents;
