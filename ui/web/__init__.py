"""The Streamlit app: app.py runs the pages in views/; state.py holds shared resources, render.py the HTML."""
