// Eligibility steps 4 and 5 (specification: "consent"): the suppression list (every
// purpose but `transactional`), then consent to the campaign's purpose on any channel
// (each channel's consent is read at channel resolution). Reasons: `suppressed`,
// `consent`.

extension DecisionRun {
    @inline(__always)
    mutating func suppression(_ c: Screening) -> Bool {
        if c.compiled.campaign.purpose != .transactional, suppressed {
            drop(c.index, .suppressed, "user is on the suppression list")
            return false
        }
        return true
    }

    @inline(__always)
    mutating func consent(_ c: Screening) -> Bool {
        let purpose = c.compiled.campaign.purpose
        guard consents(purpose, nil) else {
            drop(c.index, .consent, "no \(purpose.rawValue) consent")
            return false
        }
        return true
    }

    /// Consent for `purpose` on `channel` (nil: the purpose at all), read from the
    /// request once per decision and pair.
    mutating func consents(_ purpose: Purpose, _ channel: Channel?) -> Bool {
        let p = purpose == .marketing ? 0 : purpose == .service ? 1 : 2
        var ch = 0
        if let channel {
            switch channel {
            case .inApp: ch = 1
            case .push: ch = 2
            case .rcs: ch = 3
            case .sms: ch = 4
            case .whatsapp: ch = 5
            case .email: ch = 6
            }
        }
        let k = p * 7 + ch
        if consentCache[k] == 0 { consentCache[k] = request.consents(purpose, channel) ? 2 : 1 }
        return consentCache[k] == 2
    }
}
