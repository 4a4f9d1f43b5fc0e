/*
 * INFORMATIONAL (RFC 7296 1.4, 1.5): Delete of the IKE_SA or of
 * CHILD_SAs, and the empty message of a liveness check (2.4), both ways.
 */
#include <stdlib.h>
#include <string.h>

#include "ike_int.h"
#include "log.h"

void
ike_info_request(struct ike_sa *sa, struct ike_msg *m)
{
	struct ike	    *ike = sa->ike;
	struct ike_delete_pl d;
	struct ike_err	     e;
	struct ike_child    *c;
	struct ike_wr	     w;
	uint32_t	     ours[IKE_MAXDEL];
	size_t		     i, j, n = 0;
	bool		     whole = false;

	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != IKE_PT_D ||
		    ike_pl_delete(&m->pl[i], &d, &e) == -1)
			continue;
		if (d.proto == IKE_PROTO_IKE) {
			whole = true;
			continue;
		}
		if (d.proto != IKE_PROTO_ESP)
			continue;
		/* 1.4.1: the SPIs are the sender's inbound ones, our
		 * outbound; we answer with our inbound ones. */
		for (j = 0; j < d.nspi; j++) {
			if ((c = ike_child_by_spi(sa, d.spi[j], false)) == NULL)
				continue;
			if (n < IKE_MAXDEL)
				ours[n++] = c->sa.spi_in;
			ike_child_delete(sa, c);
		}
	}
	ike_wr_init(&w, ike->plain, sizeof(ike->plain));
	if (!whole && n > 0)
		ike_put_delete(&w, IKE_PROTO_ESP, ours, n);
	ike_send_response(
	    sa, IKE_INFORMATIONAL, m->hdr.msgid, w.first, w.w.p, w.w.off);
	if (whole)
		ike_sa_kill(sa,
		    sa->state == IKE_S_REKEYED ? "replaced by its rekey" :
						 "the peer deleted it");
}

void
ike_info_response(struct ike_sa *sa, struct ike_msg *m, int kind, uint32_t arg)
{
	struct ike_child *c;

	(void)m;
	switch (kind) {
	case IKE_REQ_DELETE_IKE:
		ike_sa_kill(sa, "deleted");
		break;
	case IKE_REQ_DELETE_CHILD:
		if ((c = ike_child_by_spi(sa, arg, true)) != NULL)
			ike_child_delete(sa, c);
		break;
	default: /* IKE_REQ_DPD: the peer is alive */
		break;
	}
}

/* Sent once, as we go; no answer is awaited. */
void
ike_info_delete_ike(struct ike_sa *sa)
{
	struct ike_wr w;

	ike_wr_init(&w, sa->ike->plain, sizeof(sa->ike->plain));
	ike_put_delete(&w, IKE_PROTO_IKE, NULL, 0);
	sa->req_busy = false;
	if (!w.w.err)
		ike_send_request(sa, IKE_INFORMATIONAL, w.first, w.w.p, w.w.off,
		    IKE_REQ_DELETE_IKE, 0);
}

void
ike_info_dpd(struct ike_sa *sa)
{
	ike_send_request(
	    sa, IKE_INFORMATIONAL, IKE_PT_NONE, NULL, 0, IKE_REQ_DPD, 0);
}

/* Deletes one of our CHILD_SAs, by its inbound SPI. */
void
ike_info_delete_child(struct ike_sa *sa, struct ike_child *c)
{
	struct ike_wr w;

	ike_wr_init(&w, sa->ike->plain, sizeof(sa->ike->plain));
	ike_put_delete(&w, IKE_PROTO_ESP, &c->sa.spi_in, 1);
	if (w.w.err ||
	    ike_send_request(sa, IKE_INFORMATIONAL, w.first, w.w.p, w.w.off,
		IKE_REQ_DELETE_CHILD, c->sa.spi_in) == -1)
		ike_child_delete(sa, c);
}
