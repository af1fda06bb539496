/*
 * smtp.h: optional SMTP delivery of the e-mail spool (`eccpd serve --smtp HOST:PORT`).
 *
 * The outbox (core/outbox.h) writes every queued e-mail durably into the spool directory
 * as an .eml file. With SMTP configured, one thread here sends those files in name order
 * (ids are time-ordered) to the relay: EHLO, STARTTLS when the server offers it (then
 * EHLO again), MAIL FROM, RCPT TO (the file's To: header), DATA with dot-stuffing. A file
 * is removed only after the server's 250 to its DATA, so a crash or a refusal at any
 * point leaves it for the next attempt: delivery is at least once. Temporary failures
 * (4xx replies, connection errors, timeouts) are retried with exponential back-off
 * (0.25 s doubling to 60 s); a permanent refusal (5xx) moves the file to the spool's
 * failed/ directory, where it stays for an operator.
 */
#ifndef ECCPD_NET_SMTP_H
#define ECCPD_NET_SMTP_H

typedef struct net_smtp net_smtp;

/* Starts the sender for spool_dir towards hostport ("host:port"); from is the envelope
 * sender (an address, or "Name <address>"). NULL, with a message on stderr, when
 * hostport is malformed or the thread cannot start. */
net_smtp *net_smtp_start(const char *spool_dir, const char *hostport, const char *from);
/* Stops the thread after the message it is sending (files not yet sent stay). NULL ok. */
void net_smtp_stop(net_smtp *m);

#endif
