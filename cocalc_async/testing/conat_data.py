"""Data the conat functions answer with, taken from a real hub.

``CUSTOMIZE`` is ``getCustomize()`` of a fresh single-user hub built from CoCalc 5cb3315c30 with
default site settings: the recorded answer of v2 ``customize`` (exchange ``v2-customize``), which
serves the same object (src/packages/database/settings/customize.ts:29-160).
"""

from __future__ import annotations

from typing import Any

CUSTOMIZE: dict[str, Any] = {
    "siteName": "Open CoCalc",
    "siteDescription": "Collaborative Calculation",
    "organizationName": "",
    "organizationEmail": "",
    "organizationURL": "",
    "termsOfServiceURL": "",
    "helpEmail": "",
    "contactEmail": "",
    "isCommercial": False,
    "kucalc": "no",
    "sshGateway": False,
    "sshGatewayDNS": "",
    "anonymousSignup": False,
    "anonymousSignupLicensedShares": False,
    "emailSignup": True,
    "accountCreationInstructions": "",
    "accountCreationRedirectEnabled": False,
    "accountCreationRedirectMessage": "New accounts should be created on the recommended site. "
    "Existing users can still sign in here.",
    "accountCreationRedirectUrl": "",
    "accountCreationRedirectLinkText": "Create an account on the recommended site",
    "accountCreationRedirectAllowLegacy": True,
    "accountCreationRedirectLegacyButtonText": "Create an account here anyway",
    "signInBannerEnabled": False,
    "signInBannerMessage": "",
    "signInBannerUrl": "",
    "signInBannerLinkText": "Go to the recommended site",
    "logoSquareURL": "",
    "logoRectangularURL": "",
    "splashImage": "",
    "shareServer": False,
    "landingPages": False,
    "googleAnalytics": "",
    "indexInfo": "",
    "indexTagline": "",
    "imprint": "",
    "policies": "",
    "support": "",
    "supportVideoCall": "https://calendly.com/cocalc/discovery?back=1",
    "dns": "",
    "siteURL": "https://localhost",
    "zendesk": "",
    "stripePublishableKey": "",
    "reCaptchaKey": "",
    "sandboxProjectId": "",
    "sandboxProjectsEnabled": False,
    "openaiEnabled": False,
    "googleVertexaiEnabled": False,
    "mistralEnabled": False,
    "anthropicEnabled": False,
    "xaiEnabled": False,
    "ollamaEnabled": False,
    "neuralSearchEnabled": False,
    "jupyterApiEnabled": False,
    "computeServersEnabled": False,
    "cloudFilesystemsEnabled": False,
    "githubProjectId": "",
    "strategies": [],
    "verifyEmailAddresses": False,
    "version": {
        "min_project": 0,
        "min_compute_server": 0,
        "min_browser": 0,
        "recommended_browser": 0,
        "compute_server_min_project": 0,
    },
    "cookieBannerEnabled": False,
    "cookieBannerText": "We use cookies that are strictly necessary for sign-in and session "
    "management. With your consent, we use optional analytics cookies and "
    "first-party usage metrics to understand how the site is used. Embedded "
    "YouTube videos are not loaded until you choose to play them. Signed-in "
    "users can manage these preferences in Account settings; signed-out "
    "visitors can clear cookie choices from the footer.",
}
