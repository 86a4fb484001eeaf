-- wrk script: password sign-ins of one account with the right password.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"load@example.co.jp","password":"Kumo-2024x"}'
