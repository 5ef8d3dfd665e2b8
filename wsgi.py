from housing import create_app

app = create_app()
