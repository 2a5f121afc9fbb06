//! The sandbox's user: the attributes of the user entity (`JsonApiUserOut`) and a display name.

/// A user of the organization. The sandbox never creates users through the API (gdgroups
/// never does); they come from the seed, or from a membership that names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    /// The id (`^(?!\.)[.A-Za-z0-9_-]{1,255}$`).
    pub id: String,
    /// The display name, shown where the API has a user's `name` (the members action, the
    /// profile). Without it, the first and last name stand in when there are any.
    pub name: Option<String>,
    /// `attributes.firstname`.
    pub firstname: Option<String>,
    /// `attributes.lastname`.
    pub lastname: Option<String>,
    /// `attributes.email`.
    pub email: Option<String>,
    /// `attributes.authenticationId`.
    pub authentication_id: Option<String>,
}

impl User {
    /// A user with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The name to show: the display name, else first and last name joined.
    pub fn display_name(&self) -> Option<String> {
        if let Some(name) = &self.name {
            return Some(name.clone());
        }
        let parts: Vec<&str> = [&self.firstname, &self.lastname]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_display_name_falls_back_to_first_and_last_name() {
        assert_eq!(User::new("u").display_name(), None);
        assert_eq!(
            User::new("u").with_name("Ann").display_name().as_deref(),
            Some("Ann")
        );
        let user = User {
            firstname: Some("Demo".into()),
            lastname: Some("User".into()),
            ..User::new("demo")
        };
        assert_eq!(user.display_name().as_deref(), Some("Demo User"));
    }
}
