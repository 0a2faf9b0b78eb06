//! `/admin/settings/consent`: the consent documents clients sign, edited by owners. A save
//! that changes the text adds a version; the earlier ones stay as they were signed, and
//! each can be read again.

use crate::http::pages::PageResult;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, DoneQuery, Form, Notice, Section,
    clients::when_local,
    done,
    fields::{Field, FormPage},
    listing::{Cell, TablePage},
    parse_id, render_status, settle,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    consent::{
        Kind,
        documents::{self, VersionInput},
        requirements, revision,
    },
    http::problem::ApiError,
    scheduling::types,
};

fn manages(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageSettings)?)
}

fn kind_label(kind: &str) -> &'static str {
    match Kind::parse(kind) {
        Some(Kind::InformedConsent) => "Informed consent",
        Some(Kind::Confidentiality) => "Confidentiality policy",
        Some(Kind::Telehealth) => "Telehealth consent",
        Some(Kind::PracticePolicies) => "Practice policies",
        _ => "Other",
    }
}

const POLICIES: [(&str, &str); 2] = [
    (
        "no_secrets",
        "No secrets: what one partner tells me alone may be brought into our work",
    ),
    (
        "limited_secrets",
        "Limited secrets: I decide, with care, what stays private",
    ),
];

/// `GET /admin/settings/consent`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    manages(admin)?;
    let all = documents::list(&state.db).await?;
    let required = requirements::types_of(&state.db, all.iter().map(|d| d.document.id)).await?;
    let names = type_names(state).await?;
    let rows = all
        .into_iter()
        .map(|d| {
            let for_types = required
                .get(&d.document.id)
                .map(|ts| {
                    ts.iter()
                        .filter_map(|t| names.iter().find(|(id, _)| id == &t.to_string()))
                        .map(|(_, name)| name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "By hand only".to_owned());
            vec![
                Cell::link(
                    &d.document.title,
                    format!("/admin/settings/consent/{}", d.document.id),
                ),
                Cell::text(kind_label(&d.document.kind)),
                Cell::text(format!("Version {}", d.document.latest_version)),
                Cell::text(for_types),
            ]
        })
        .collect();
    TablePage {
        title: "Consent documents",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some(
            "What each partner reads and signs, on their own. Changing a text saves a new version; signed versions are kept exactly as they were signed."
                .into(),
        ),
        notice: query.notice(),
        create: Some(("/admin/settings/consent/new", "Add a document")),
        filters: None,
        columns: &["Document", "Kind", "Current", "Required before"],
        rows,
        empty: "No consent documents.",
        more: None,
    }
    .render(state, admin)
}

/// Every appointment type, `(id, name)`, for the "required before" boxes.
async fn type_names(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    Ok(types::list_all(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.active)
        .map(|t| (t.id.to_string(), t.name))
        .collect())
}

/// What the form shows: the current text of `existing`, or an empty document.
struct Shown<'a> {
    kind: Option<&'a str>,
    title: &'a str,
    body: &'a str,
    secrets_policy: Option<&'a str>,
    required_for: Vec<String>,
}

async fn fields(state: &AppState, shown: &Shown<'_>) -> Result<Vec<Field>, ApiError> {
    let types = type_names(state).await?;
    let required: Vec<&str> = shown.required_for.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    if shown.kind.is_none() {
        let kinds: Vec<(String, String)> = Kind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_label(k.as_str()).to_owned()))
            .collect();
        out.push(Field::select("kind", "Kind", &kinds, "other"));
    }
    out.push(Field::text("title", "Title", shown.title).required());
    out.push(
        Field::textarea("body", "Text", shown.body)
            .hint("Markdown: # for headings, blank lines between paragraphs, - for lists, **bold**. Links may go to https and mailto addresses only.")
            .attr("rows", 18),
    );
    if shown.kind.is_none() || shown.kind == Some(Kind::Confidentiality.as_str()) {
        let choices: Vec<(String, String)> = POLICIES
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect();
        out.push(
            Field::select(
                "secrets_policy",
                "What one partner tells you alone",
                &choices,
                shown.secrets_policy.unwrap_or("no_secrets"),
            )
            .hint("For a confidentiality policy: {secrets_policy} in the text is replaced by the paragraph for this choice."),
        );
    }
    if shown.kind.is_some() {
        out.push(
            Field::check(
                "requires_reconsent",
                "Ask everyone who signed before to sign this version",
                false,
            )
            .hint("Leave clear for a typo; tick it when what clients agree to has changed."),
        );
    }
    out.push(
        Field::checks("required_for", "Required before the first appointment of", &types, &required)
            .hint("A booking of a ticked type gives it to each partner who has not signed it, and a reminder asks for it two days before."),
    );
    Ok(out)
}

/// The types ticked, or a message beside the boxes.
fn ticked(form: &Form) -> Result<Vec<Uuid>, ApiError> {
    form.all("required_for")
        .into_iter()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::invalid("required_for", "is not one of the appointment types"))
}

/// The policy field, for a kind that has one.
fn policy_of(form: &Form, kind: Option<&str>) -> Option<String> {
    (kind == Some(Kind::Confidentiality.as_str())).then(|| form.get("secrets_policy").to_owned())
}

/// `GET /admin/settings/consent/new`.
#[handler]
pub async fn new_form(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    manages(admin)?;
    new_page(state, admin, StatusCode::OK, json!({})).await
}

async fn new_page(state: &AppState, admin: &Admin, status: StatusCode, form: Value) -> PageResult {
    let shown = Shown {
        kind: None,
        title: "",
        body: "",
        secrets_policy: None,
        required_for: Vec::new(),
    };
    FormPage {
        title: "Add a consent document",
        section: Section::Settings,
        back: ("/admin/settings/consent", "Consent documents"),
        intro: None,
        notice: None,
        action: "/admin/settings/consent/new".to_owned(),
        submit: "Add",
        fields: fields(state, &shown).await?,
        links: vec![],
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/consent/new`.
#[handler]
pub async fn create(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    manages(admin)?;
    let outcome = async {
        let kind = form.get("kind");
        let input = VersionInput {
            kind: Some(kind.to_owned()),
            title: Some(form.get("title").to_owned()),
            body: form.get("body").to_owned(),
            secrets_policy: policy_of(form, Some(kind)),
            requires_reconsent: false,
        };
        let types = ticked(form)?;
        let audit = admin.audit(state, origin);
        let created = documents::create(&state.db, &input, &audit).await?;
        requirements::set(
            &state.db,
            created.document.id,
            &types,
            "required_for",
            &audit,
        )
        .await?;
        Ok(done("/admin/settings/consent", Notice::DocumentAdded))
    }
    .await;
    settle(outcome, form, |status, shown| {
        new_page(state, admin, status, shown)
    })
    .await
}

/// `GET /admin/settings/consent/{id}`.
#[handler]
pub async fn edit(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    manages(admin)?;
    edit_page(
        state,
        admin,
        parse_id(&id)?,
        StatusCode::OK,
        query.notice(),
        json!({}),
    )
    .await
}

async fn edit_page(
    state: &AppState,
    admin: &Admin,
    id: Uuid,
    status: StatusCode,
    notice: Option<&'static str>,
    form: Value,
) -> PageResult {
    let (document, versions) = documents::find(&state.db, id).await?;
    let current = versions
        .iter()
        .find(|v| v.version == document.latest_version)
        .ok_or_else(|| ApiError::not_found("There is no such consent document."))?;
    let required_for = requirements::types_of(&state.db, [id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .iter()
        .map(Uuid::to_string)
        .collect();
    let shown = Shown {
        kind: Some(&document.kind),
        title: &current.title,
        body: &current.body,
        secrets_policy: current.secrets_policy.as_deref(),
        required_for,
    };
    let links = versions
        .iter()
        .rev()
        .map(|v| {
            (
                format!("/admin/settings/consent/{id}/versions/{}", v.version),
                format!(
                    "Version {}, saved {}{}",
                    v.version,
                    when_local(v.created_at, admin),
                    if v.requires_reconsent {
                        " (asked everyone again)"
                    } else {
                        ""
                    }
                ),
            )
        })
        .collect();
    FormPage {
        title: &document.title,
        section: Section::Settings,
        back: ("/admin/settings/consent", "Consent documents"),
        intro: Some(format!(
            "{}, version {}. Saving a changed text adds version {}; every earlier version is kept.",
            kind_label(&document.kind),
            document.latest_version,
            document.latest_version + 1
        )),
        notice,
        action: format!("/admin/settings/consent/{id}"),
        submit: "Save",
        fields: fields(state, &shown).await?,
        links,
    }
    .render(state, admin, status, form)
}

/// `POST /admin/settings/consent/{id}`: a new version when the text changed (or everyone is
/// to be asked again), and the types that require it.
#[handler]
pub async fn save(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    manages(admin)?;
    let id = parse_id(&id)?;
    let outcome = async {
        let (document, versions) = documents::find(&state.db, id).await?;
        let current = versions
            .iter()
            .find(|v| v.version == document.latest_version)
            .ok_or_else(|| ApiError::not_found("There is no such consent document."))?;
        let input = VersionInput {
            kind: None,
            title: Some(form.get("title").to_owned()),
            body: form.get("body").to_owned(),
            secrets_policy: policy_of(form, Some(&document.kind)),
            requires_reconsent: form.has("requires_reconsent"),
        };
        let types = ticked(form)?;
        let changed = input.title.as_deref() != Some(current.title.as_str())
            || input.body.trim() != current.body.trim()
            || input.secrets_policy != current.secrets_policy
            || input.requires_reconsent;
        let audit = admin.audit(state, origin);
        if changed {
            revision::save(&state.db, state.notifier(), id, &input, &audit).await?;
        }
        let before = requirements::types_of(&state.db, [id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let mut wanted = types.clone();
        wanted.sort();
        wanted.dedup();
        if wanted != before {
            requirements::set(&state.db, id, &types, "required_for", &audit).await?;
        }
        Ok(done(
            &format!("/admin/settings/consent/{id}"),
            if changed {
                Notice::VersionSaved
            } else {
                Notice::Saved
            },
        ))
    }
    .await;
    settle(outcome, form, |status, shown| {
        edit_page(state, admin, id, status, None, shown)
    })
    .await
}

/// `GET /admin/settings/consent/{id}/versions/{number}`: a version as clients read it.
#[handler]
pub async fn version(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path((id, number)): Path<(String, String)>,
) -> PageResult {
    manages(admin)?;
    let id = parse_id(&id)?;
    let (document, versions) = documents::find(&state.db, id).await?;
    let v = number
        .parse::<i32>()
        .ok()
        .and_then(|n| versions.iter().find(|v| v.version == n))
        .ok_or_else(|| ApiError::not_found("That document has no such version."))?;
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Settings,
        "pages/admin/consent_version",
        &v.title,
        json!({
            "back": format!("/admin/settings/consent/{id}"),
            "document": document.title,
            "title": v.title,
            "version": v.version,
            "latest": v.version == document.latest_version,
            "saved": when_local(v.created_at, admin),
            "asks_again": v.requires_reconsent,
            "html": documents::html_of(v),
        }),
    )
}

/// `GET /admin/clients/{id}/consents/{request}/copy.pdf`: one partner's copy, as the API
/// gives it, each look audited.
#[handler]
pub async fn client_copy(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path((id, request)): Path<(String, String)>,
) -> PageResult {
    admin.staff.require(Permission::ManageClients)?;
    let audit = admin.audit(state, origin);
    let opened = crate::consent::requests::for_staff(
        &state.db,
        &state.keys,
        parse_id(&id)?,
        parse_id(&request)?,
        &audit,
    )
    .await?;
    let practice = crate::practice::settings(&state.db).await?;
    let pdf =
        crate::consent::copy::pdf(&opened, &practice.name, crate::practice::zone_of(&practice));
    Ok(crate::http::pages::pdf_attachment(pdf, "signed-copy.pdf"))
}
