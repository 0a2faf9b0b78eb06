//! The dashboard's route table: every path, its handlers behind the gate, and the methods it
//! allows. The access matrix test reads it, so a new page needs a policy decision there.

use poem::{Endpoint, EndpointExt, endpoint::BoxEndpoint, get, post};

use super::*;

const GET: &str = "GET, HEAD";
const POST: &str = "POST";
const GET_POST: &str = "GET, HEAD, POST";

/// The dashboard's routes, each handler behind the gate: (path, endpoint, `Allow`).
pub fn routes() -> Vec<(&'static str, BoxEndpoint<'static>, &'static str)> {
    vec![
        ("/admin", get(g(agenda::agenda)).boxed(), GET),
        ("/admin/logout", post(g(sign_in::logout)).boxed(), POST),
        (
            "/admin/appointments/:id",
            get(g(appointments::show)).boxed(),
            GET,
        ),
        (
            "/admin/appointments/:id/:action",
            post(g(appointments::act)).boxed(),
            POST,
        ),
        ("/admin/clients", get(g(clients::list)).boxed(), GET),
        ("/admin/billing", get(g(billing::overview)).boxed(), GET),
        (
            "/admin/billing/fees/:id/:action",
            post(g(billing::decide)).boxed(),
            POST,
        ),
        ("/admin/invoices/:id", get(g(billing::invoice)).boxed(), GET),
        (
            "/admin/invoices/:id/:action",
            post(g(billing::invoice_action)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/billing",
            get(g(billing::client)).boxed(),
            GET,
        ),
        (
            "/admin/clients/:id/billing/:action",
            post(g(billing::client_action)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/measures",
            get(g(measures::show)).post(g(measures::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/diagnoses",
            get(g(diagnoses::list)).post(g(diagnoses::add)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/diagnoses/:diagnosis/remove",
            post(g(diagnoses::remove)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/superbill.pdf",
            get(g(billing::superbill)).boxed(),
            GET,
        ),
        (
            "/admin/clients/:id/estimates/:estimate/pdf",
            get(g(billing::estimate)).boxed(),
            GET,
        ),
        ("/admin/clients/:id", get(g(clients::show)).boxed(), GET),
        (
            "/admin/clients/:id/edit",
            get(g(client_edit::edit)).post(g(client_edit::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/plan",
            get(g(plan::edit)).post(g(plan::save)).boxed(),
            GET_POST,
        ),
        ("/admin/intakes/:id", get(g(responses::show)).boxed(), GET),
        (
            "/admin/clients/:id/appointments",
            post(g(clients::book)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/series",
            post(g(series::book)).boxed(),
            POST,
        ),
        ("/admin/series/:id", get(g(series::show)).boxed(), GET),
        (
            "/admin/clients/:id/consents",
            post(g(clients::give_consent)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/consents/:request/copy.pdf",
            get(g(consent::client_copy)).boxed(),
            GET,
        ),
        (
            "/admin/clients/:id/intakes",
            post(g(clients::send_intake)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/notes",
            get(g(notes::new_form)).post(g(notes::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/psychotherapy-notes",
            get(g(notes::psychotherapy_notes))
                .post(g(notes::add_psychotherapy_note))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id",
            get(g(notes::editor)).post(g(notes::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id/sign",
            get(g(notes::sign_confirm)).post(g(notes::sign)).boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id/addenda",
            post(g(notes::addendum)).boxed(),
            POST,
        ),
        ("/admin/settings", get(g(settings::index)).boxed(), GET),
        (
            "/admin/settings/billing",
            get(g(billing_settings::edit))
                .post(g(billing_settings::save))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/hours",
            get(g(settings::hours))
                .post(g(settings::save_hours))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/hours/overrides",
            post(g(time_off::set_override)).boxed(),
            POST,
        ),
        (
            "/admin/settings/hours/time-off",
            post(g(time_off::add_time_off)).boxed(),
            POST,
        ),
        (
            "/admin/settings/hours/:kind/:id/remove",
            post(g(time_off::remove)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar",
            get(g(calendar::calendar)).boxed(),
            GET,
        ),
        (
            "/admin/settings/calendar/busy",
            post(g(calendar::add_busy)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar/busy/:id/remove",
            post(g(calendar::remove_busy)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar/:action",
            post(g(calendar::calendar_action)).boxed(),
            POST,
        ),
        (
            "/admin/settings/practice",
            get(g(practice::details))
                .post(g(practice::save_details))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/practitioners",
            get(g(practice::list)).boxed(),
            GET,
        ),
        (
            "/admin/settings/practitioners/new",
            get(g(practice::new_form)).post(g(practice::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/practitioners/:id",
            get(g(practice::edit)).post(g(practice::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/consent",
            get(g(consent::list)).boxed(),
            GET,
        ),
        (
            "/admin/settings/consent/new",
            get(g(consent::new_form)).post(g(consent::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/consent/:id",
            get(g(consent::edit)).post(g(consent::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/consent/:id/versions/:number",
            get(g(consent::version)).boxed(),
            GET,
        ),
        ("/admin/settings/types", get(g(types::list)).boxed(), GET),
        (
            "/admin/settings/types/new",
            get(g(types::new_form)).post(g(types::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/types/:id",
            get(g(types::edit)).post(g(types::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/emails",
            get(g(emails::templates)).boxed(),
            GET,
        ),
        (
            "/admin/settings/emails/:name",
            get(g(emails::show_template)).boxed(),
            GET,
        ),
        (
            "/admin/settings/emails/:name/html",
            get(g(emails::template_html)).boxed(),
            GET,
        ),
        (
            "/admin/settings/outbox",
            get(g(emails::outbox_list)).boxed(),
            GET,
        ),
        (
            "/admin/settings/outbox/:id/:action",
            post(g(emails::outbox_action)).boxed(),
            POST,
        ),
        ("/admin/settings/staff", get(g(staff::list)).boxed(), GET),
        (
            "/admin/settings/staff/new",
            get(g(staff::new_form)).post(g(staff::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/staff/:id",
            get(g(staff::edit)).post(g(staff::save)).boxed(),
            GET_POST,
        ),
        ("/admin/audit", get(g(audit_log::list)).boxed(), GET),
    ]
}

/// Puts a handler behind the gate. The gate sits inside the method routing, so a wrong
/// method is answered 405 before anyone is asked to sign in.
fn g<E: Endpoint + 'static>(e: E) -> impl Endpoint {
    e.with(Gate)
}
