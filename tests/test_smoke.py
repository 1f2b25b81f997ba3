async def test_sign_up_and_viewer(api):
    await api.company("acme.example")
    member = await api.sign_up("ann@acme.example", "RECRUITER", "Ann")
    data = await api.data("{ viewer { profile { alias fullName kind } } }", token=member.token)
    assert data["viewer"]["profile"]["fullName"] == "Ann"
