//! What botocore checks before it sends an STS request: the minimum lengths of strings and the
//! minimum values of integers in the STS service model (`botocore/data/sts/2011-06-15/
//! service-2.json`). botocore does not check maximums or patterns; the service does. A refused
//! parameter means no request at all, and the AWS CLI ends with its parameter-validation exit
//! status (252).

use awscred_core::Error;

/// Collects botocore's complaints, in the order the parameters are given.
#[derive(Debug, Default)]
pub(crate) struct Check {
    problems: Vec<String>,
}

impl Check {
    /// A string parameter of at least `min` characters (Python's `len`: code points).
    pub(crate) fn min_length(&mut self, name: &str, value: &str, min: usize) -> &mut Self {
        let length = value.chars().count();
        if length < min {
            self.problems.push(format!(
                "Invalid length for parameter {name}, value: {length}, valid min length: {min}"
            ));
        }
        self
    }

    /// An optional string parameter, checked when present.
    pub(crate) fn opt_min_length(
        &mut self,
        name: &str,
        value: Option<&str>,
        min: usize,
    ) -> &mut Self {
        if let Some(value) = value {
            self.min_length(name, value, min);
        }
        self
    }

    /// An optional integer parameter of at least `min`.
    pub(crate) fn opt_min_value(&mut self, name: &str, value: Option<u32>, min: u32) -> &mut Self {
        if let Some(value) = value.filter(|v| *v < min) {
            self.problems.push(format!(
                "Invalid value for parameter {name}, value: {value}, valid min value: {min}"
            ));
        }
        self
    }

    /// botocore's `ParamValidationError` for `operation` when anything was refused.
    pub(crate) fn finish(&self, operation: &str) -> Result<(), Error> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::parameter_validation(operation, &self.problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_botocores() {
        let err = Check::default()
            .min_length("RoleSessionName", "é", 2)
            .opt_min_length("ExternalId", None, 2)
            .opt_min_value("DurationSeconds", Some(899), 900)
            .finish("AssumeRole")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Parameter validation failed:\nInvalid length for parameter RoleSessionName, value: \
             1, valid min length: 2\nInvalid value for parameter DurationSeconds, value: 899, \
             valid min value: 900"
        );
        assert!(
            Check::default()
                .min_length("RoleSessionName", "ab", 2)
                .opt_min_value("DurationSeconds", Some(900), 900)
                .finish("AssumeRole")
                .is_ok()
        );
    }
}
