"""Placeholder page; replaced by the workflow's page."""

import streamlit as st

st.title("registrations")
