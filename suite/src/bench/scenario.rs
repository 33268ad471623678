//! The world a benchmark runs in: the embedded `scenario.yaml`, or the file `--scenario`
//! names. Only its tenants, participants, behaviours, faults and clock start matter; its
//! `steps` and `expect` are ignored, since the benchmark decides what is sent.

use std::path::{Path, PathBuf};

use eisim::scenario::Scenario;

use crate::contract::SimulatorAccess;
use crate::errors::SuiteError;

/// The default benchmark scenario's text.
pub(crate) const EMBEDDED: &str = include_str!("scenario.yaml");

/// The origin errors and the simulator name for the embedded scenario.
pub(crate) const EMBEDDED_ORIGIN: &str = "<embedded bench scenario>";

/// A scenario ready to boot, with the tenant credentials the integration will use.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) scenario: Scenario,
    pub(crate) origin: PathBuf,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl World {
    pub(crate) fn load(file: Option<&Path>) -> Result<World, SuiteError> {
        let (scenario, origin) = match file {
            Some(path) => {
                let scenario =
                    eisim::scenario::load_file(path).map_err(|errors| SuiteError::Scenario {
                        path: path.to_path_buf(),
                        message: errors.to_string(),
                    })?;
                (scenario, path.to_path_buf())
            }
            None => {
                let scenario =
                    eisim::scenario::parse(EMBEDDED, EMBEDDED_ORIGIN).map_err(|errors| {
                        SuiteError::Scenario {
                            path: PathBuf::from(EMBEDDED_ORIGIN),
                            message: errors.to_string(),
                        }
                    })?;
                (scenario, PathBuf::from(EMBEDDED_ORIGIN))
            }
        };
        let credentials = scenario
            .tenants
            .iter()
            .flat_map(|tenant| tenant.credentials.first())
            .next()
            .map(|c| (c.client_id.clone(), c.client_secret.clone()));
        let Some((client_id, client_secret)) = credentials else {
            return Err(SuiteError::Scenario {
                path: origin,
                message: "no tenant with credentials: the integration needs a client id and secret"
                    .to_owned(),
            });
        };
        Ok(World {
            scenario,
            origin,
            client_id,
            client_secret,
        })
    }

    /// What every `POST /submit` tells the integration about eisim.
    pub(crate) fn access(&self, base_url: String) -> SimulatorAccess {
        SimulatorAccess {
            base_url,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_scenario_loads_with_credentials() {
        let world = World::load(None).unwrap();
        assert_eq!(world.client_id, "acme-erp");
        assert!(world.scenario.steps.is_empty());
    }
}
