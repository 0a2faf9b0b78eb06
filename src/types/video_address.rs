//! The addresses video rooms are reached at, as a practice types them.

/// A room template as typed: an `https` address with `{room}` once, in its path or query.
pub fn room_template(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.matches("{room}").count() != 1 {
        return Err("must contain {room} once, where the room's name goes".into());
    }
    check_https(&raw.replace("{room}", "room"))?;
    Ok(raw.to_owned())
}

/// A fixed video link as typed: an `https` address.
pub fn video_link(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    check_https(raw)?;
    Ok(raw.to_owned())
}

fn check_https(raw: &str) -> Result<(), String> {
    if raw.chars().count() > 500 {
        return Err("must be at most 500 characters".into());
    }
    let url = url::Url::parse(raw).map_err(|_| "must be a web address".to_owned())?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an https:// address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_needs_its_room_once_and_https() {
        assert!(room_template("https://meet.example.org/{room}").is_ok());
        assert!(room_template("https://meet.example.org/").is_err());
        assert!(room_template("https://meet.example.org/{room}/{room}").is_err());
        assert!(room_template("http://meet.example.org/{room}").is_err());
        assert!(room_template("meet.example.org/{room}").is_err());
        assert!(video_link("https://doxy.me/dr-levin").is_ok());
        assert!(video_link("javascript:alert(1)").is_err());
    }
}
